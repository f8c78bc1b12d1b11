import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PACKAGE } from '../version.js';
import { UserError } from '../util/errors.js';
import { exists, writeFileAtomic, type FileDigest } from '../util/fs.js';
import { stepName, type PipelineConfig } from './config.js';
import { runLocal } from './executors/local.js';
import { listInputFiles } from './io/index.js';
import { RunLayout } from './layout.js';
import { emptyRunStats, mergeRunStats, sortKeys, topGroups, type RunStats } from './stats.js';
import type { TaskInfo } from './step.js';
import type { TaskResult } from './task.js';

export interface RunOptions {
  workers?: number;
  /** Run only the tasks that have no completion marker. */
  resume?: boolean;
  /** Delete an earlier run's results in the output folder first. */
  overwrite?: boolean;
  signal?: AbortSignal;
  /** Called as work advances; `total` is the input bytes of the tasks that will run. */
  onStart?(info: { tasks: number; pending: number; totalBytes: number; workers: number }): void;
  onProgress?(documents: number, bytes: number): void;
  onTaskDone?(index: number, seconds: number): void;
  onTaskFailed?(index: number, message: string): void;
  onBadRecord?(message: string): void;
}

export interface RunSummary {
  root: string;
  tasks: number;
  ran: number;
  failed: { index: number; file: string; message: string }[];
  stats: RunStats;
  seconds: number;
  interrupted: boolean;
}

/** The identity of a run: config and input list. `--resume` refuses to mix two different runs. */
function runIdentity(config: PipelineConfig, files: string[]): string {
  return createHash('sha256').update(JSON.stringify({ config, files })).digest('hex');
}

async function removeTemporaryFiles(dir: string): Promise<void> {
  if (!(await exists(dir))) return;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.tmp')) await rm(join(entry.parentPath, entry.name), { force: true });
  }
}

/** Take the run folder's lock, refusing when a live process holds it. */
async function takeLock(layout: RunLayout): Promise<() => Promise<void>> {
  if (await exists(layout.lock)) {
    const pid = Number((await readFile(layout.lock, 'utf8')).trim());
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = pid !== process.pid;
    } catch {
      alive = false;
    }
    if (alive) throw new UserError(`${layout.root}: another run (pid ${pid}) is using this folder`);
  }
  await writeFile(layout.lock, `${process.pid}\n`);
  return () => rm(layout.lock, { force: true });
}

/** Run a pipeline with the local executor: split by input file, one task per file. */
export async function runPipeline(config: PipelineConfig, options: RunOptions = {}): Promise<RunSummary> {
  const started = new Date();
  const layout = new RunLayout(config.output.path, config.output.format);
  const paths = Array.isArray(config.input.path) ? config.input.path : [config.input.path];
  const files = [...new Set((await Promise.all(paths.map((p) => listInputFiles(p)))).flat())];
  if (files.length === 0) throw new UserError(`input ${JSON.stringify(config.input.path)}: no input files found`);
  const tasks: TaskInfo[] = files.map((inputFile, index) => ({ index, inputFile }));
  const identity = runIdentity(config, files);
  const runFile = join(layout.root, 'run.json');

  await mkdir(layout.root, { recursive: true });
  const releaseLock = await takeLock(layout);
  try {
    if (await exists(runFile)) {
      const previous = JSON.parse(await readFile(runFile, 'utf8')) as { identity: string };
      if (options.overwrite) {
        for (const name of ['documents', 'removed', 'tasks', 'logs', 'stats.json', 'manifest.json', 'run.json']) {
          await rm(join(layout.root, name), { recursive: true, force: true });
        }
      } else if (!options.resume) {
        throw new UserError(`${layout.root} already holds a run: use --resume to finish it or --overwrite to start again`);
      } else if (previous.identity !== identity) {
        throw new UserError(`${layout.root} holds a run of another config or input set: --resume needs the same ones (or use --overwrite)`);
      }
    }
    await writeFileAtomic(runFile, `${JSON.stringify({ identity, started_at: started.toISOString(), files }, null, 1)}\n`);
    await removeTemporaryFiles(layout.root);

    const pending: TaskInfo[] = [];
    for (const task of tasks) if (!(await exists(layout.marker(task.index)))) pending.push(task);
    const workers = Math.max(1, Math.min(options.workers ?? config.workers ?? availableParallelism(), pending.length || 1));
    let totalBytes = 0;
    for (const task of pending) totalBytes += (await stat(task.inputFile)).size;
    options.onStart?.({ tasks: tasks.length, pending: pending.length, totalBytes, workers });

    const failed: RunSummary['failed'] = [];
    if (pending.length > 0) {
      await runLocal(
        config,
        pending,
        workers,
        {
          onProgress: (d, b) => options.onProgress?.(d, b),
          onBadRecord: (m) => options.onBadRecord?.(m),
          onTaskDone: (i, s) => options.onTaskDone?.(i, s),
          onTaskFailed: (index, message) => {
            failed.push({ index, file: files[index]!, message });
            options.onTaskFailed?.(index, message);
          },
        },
        options.signal,
      );
    }
    const interrupted = options.signal?.aborted ?? false;
    if (interrupted) await removeTemporaryFiles(layout.root);

    const results = await readResults(layout, tasks.length);
    const stats = emptyRunStats(config.steps.map((s) => ({ name: stepName(s), kind: s.step })));
    for (const result of results) if (result) mergeRunStats(stats, result.stats);
    const complete = results.every((r) => r !== undefined);
    const finished = new Date();
    await writeFileAtomic(layout.stats, `${JSON.stringify(statsFile(stats, config, results, complete), null, 1)}\n`);
    if (complete) await writeManifest(layout, config, results as TaskResult[], started, finished, workers);
    failed.sort((a, b) => a.index - b.index);
    return {
      root: layout.root,
      tasks: tasks.length,
      ran: pending.length,
      failed,
      stats,
      seconds: (finished.getTime() - started.getTime()) / 1000,
      interrupted,
    };
  } finally {
    await releaseLock();
  }
}

async function readResults(layout: RunLayout, count: number): Promise<(TaskResult | undefined)[]> {
  const results: (TaskResult | undefined)[] = [];
  for (let i = 0; i < count; i++) {
    const marker = layout.marker(i);
    results.push((await exists(marker)) ? (JSON.parse(await readFile(marker, 'utf8')) as TaskResult) : undefined);
  }
  return results;
}

function statsFile(stats: RunStats, config: PipelineConfig, results: (TaskResult | undefined)[], complete: boolean) {
  return sortKeys({
    pipeline: config.name,
    complete,
    tasks: { total: results.length, done: results.filter((r) => r !== undefined).length },
    reader: stats.reader,
    steps: stats.steps,
    output: stats.output,
    by_language: stats.by_language,
    by_domain: topGroups(stats.by_domain, 1000),
  });
}

async function writeManifest(
  layout: RunLayout,
  config: PipelineConfig,
  results: TaskResult[],
  started: Date,
  finished: Date,
  workers: number,
): Promise<void> {
  const outputs: FileDigest[] = results.flatMap((r) => r.outputs).sort((a, b) => (a.path < b.path ? -1 : 1));
  const manifest = {
    software: { name: PACKAGE.name, version: PACKAGE.version, node: process.version },
    pipeline: config.name,
    config,
    inputs: results.map((r) => ({ task: r.index, ...r.input })),
    outputs,
    timings: {
      started_at: started.toISOString(),
      finished_at: finished.toISOString(),
      seconds: (finished.getTime() - started.getTime()) / 1000,
      workers,
      task_seconds: results.map((r) => Number(r.seconds.toFixed(3))),
    },
  };
  await writeFileAtomic(layout.manifest, `${JSON.stringify(manifest, null, 1)}\n`);
}
