import { PACKAGE } from '../version.js';
import { writeFileAtomic, type FileDigest } from '../util/fs.js';
import type { PipelineConfig } from './config.js';
import type { RunLayout } from './layout.js';
import { sortKeys, topGroups, type RunStats } from './stats.js';
import type { TaskResult } from './task.js';

/** stats.json: the merged counters, keys sorted so the file is byte-stable. */
export async function writeStats(layout: RunLayout, config: PipelineConfig, stats: RunStats, total: number, done: number, complete: boolean): Promise<void> {
  const file = sortKeys({
    pipeline: config.name,
    complete,
    tasks: { total, done },
    reader: stats.reader,
    steps: stats.steps,
    output: stats.output,
    by_language: stats.by_language,
    by_domain: topGroups(stats.by_domain, 1000),
  });
  await writeFileAtomic(layout.stats, `${JSON.stringify(file, null, 1)}\n`);
}

/**
 * manifest.json: what anyone needs to reproduce the run and check they did: the config, every
 * input and output file with size and SHA-256, the software version, timings.
 */
export async function writeManifest(
  layout: RunLayout,
  config: PipelineConfig,
  results: TaskResult[],
  started: Date,
  finished: Date,
  workers: number,
): Promise<void> {
  const outputs: FileDigest[] = results.flatMap((r) => r.outputs).sort((a, b) => (a.path < b.path ? -1 : 1));
  const inputs = results.filter((r) => r.input !== undefined).map((r) => ({ task: r.index, ...r.input! }));
  const taskSeconds: number[] = [];
  for (const r of results) taskSeconds[r.index] = (taskSeconds[r.index] ?? 0) + r.seconds;
  const manifest = {
    software: { name: PACKAGE.name, version: PACKAGE.version, node: process.version },
    pipeline: config.name,
    config,
    inputs,
    outputs,
    timings: {
      started_at: started.toISOString(),
      finished_at: finished.toISOString(),
      seconds: (finished.getTime() - started.getTime()) / 1000,
      workers,
      task_seconds: taskSeconds.map((s) => Number(s.toFixed(3))),
    },
  };
  await writeFileAtomic(layout.manifest, `${JSON.stringify(manifest, null, 1)}\n`);
}
