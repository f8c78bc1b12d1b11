import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import { exists, writeFileAtomic } from '../util/fs.js';
import { stepName, type PipelineConfig } from './config.js';
import { runLocal } from './executors/local.js';
import { listInputFiles } from './io/index.js';
import { RunLayout } from './layout.js';
import { prepareFolder, removeTemporaryFiles, takeLock } from './run-folder.js';
import { writeManifest, writeStats } from './run-files.js';
import { buildGlobalStep, planSegments, type Segment } from './plan.js';
import { addCount, emptyRunStats, mergeRunStats, type RunStats } from './stats.js';
import type { TaskInfo } from './step.js';
import type { TaskResult } from './task.js';

export interface SegmentStart {
  /** 0-based segment, and how many the pipeline has (one more than its global steps). */
  segment: number;
  segments: number;
  tasks: number;
  pending: number;
  /** Input bytes of the pending tasks (what the progress bar counts). */
  totalBytes: number;
  workers: number;
}

export interface RunOptions {
  workers?: number;
  /** Run only the tasks that have no completion marker. */
  resume?: boolean;
  /** Delete an earlier run's results in the output folder first. */
  overwrite?: boolean;
  signal?: AbortSignal;
  onStart?(info: SegmentStart): void;
  onProgress?(documents: number, bytes: number): void;
  onTaskDone?(index: number, seconds: number): void;
  onTaskFailed?(index: number, message: string): void;
  onBadRecord?(message: string): void;
  /** A global step resolving over the whole corpus (deduplication). */
  onResolve?(step: string): void;
  onResolved?(step: string, summary: Record<string, number>, seconds: number): void;
}

export interface RunSummary {
  root: string;
  tasks: number;
  /** Task runs executed in this invocation, over all segments. */
  ran: number;
  failed: { index: number; file: string; message: string }[];
  stats: RunStats;
  seconds: number;
  interrupted: boolean;
  complete: boolean;
}

/** The input files of a run, sorted: task i reads file i. */
export async function listRunInputs(config: PipelineConfig): Promise<string[]> {
  const paths = Array.isArray(config.input.path) ? config.input.path : [config.input.path];
  const files = [...new Set((await Promise.all(paths.map((p) => listInputFiles(p)))).flat())];
  if (files.length === 0) throw new UserError(`input ${JSON.stringify(config.input.path)}: no input files found`);
  return files;
}

/** What every executor works from: the run folder, its tasks (one per input file) and segments. */
export interface RunPlan {
  config: PipelineConfig;
  layout: RunLayout;
  /** Task i reads files[i]. */
  files: string[];
  tasks: TaskInfo[];
  segments: Segment[];
}

export function planRun(config: PipelineConfig, files: string[]): RunPlan {
  return {
    config,
    layout: new RunLayout(config.output.path, config.output.format),
    files,
    tasks: files.map((inputFile, index) => ({ index, inputFile })),
    segments: planSegments(config),
  };
}

/** The tasks of a segment that have no completion marker, in task order. */
export async function pendingTasks(plan: RunPlan, segment: Segment): Promise<TaskInfo[]> {
  const closing = segment.closing ? stepName(segment.closing) : undefined;
  const pending: TaskInfo[] = [];
  for (const task of plan.tasks) if (!(await exists(plan.layout.marker(task.index, closing)))) pending.push(task);
  return pending;
}

/**
 * Run a pipeline with the local executor: one task per input file, segment after segment (a
 * pipeline is cut at its global steps, which resolve over all tasks in between).
 */
export async function runPipeline(config: PipelineConfig, options: RunOptions = {}): Promise<RunSummary> {
  const started = new Date();
  const plan = planRun(config, await listRunInputs(config));
  const { layout, files, tasks, segments } = plan;

  await mkdir(layout.root, { recursive: true });
  const releaseLock = await takeLock(layout);
  try {
    await prepareFolder(layout, config, files, { resume: options.resume, overwrite: options.overwrite, executor: 'local' });
    const failed: RunSummary['failed'] = [];
    let ran = 0;
    let workers = 1;
    for (const segment of segments) {
      const pending = await pendingTasks(plan, segment);
      workers = Math.max(1, Math.min(options.workers ?? config.workers ?? availableParallelism(), pending.length || 1));
      let totalBytes = 0;
      for (const task of pending) totalBytes += (await stat(segmentInput(layout, segment, task))).size;
      options.onStart?.({ segment: segment.index, segments: segments.length, tasks: tasks.length, pending: pending.length, totalBytes, workers });
      if (pending.length > 0) {
        ran += pending.length;
        await runLocal(config, segment.index, pending, workers, {
          onProgress: (d, b) => options.onProgress?.(d, b),
          onBadRecord: (m) => options.onBadRecord?.(m),
          onTaskDone: (i, s) => options.onTaskDone?.(i, s),
          onTaskFailed: (index, message) => {
            failed.push({ index, file: files[index]!, message });
            options.onTaskFailed?.(index, message);
          },
        }, options.signal);
      }
      if (failed.length > 0 || options.signal?.aborted) break;
      if (segment.closing) await resolveOnce(layout, segment, tasks.length, options);
    }
    const interrupted = options.signal?.aborted ?? false;
    if (interrupted) await removeTemporaryFiles(layout.root);

    const finished = new Date();
    const { stats, complete } = await finishRun(plan, started, finished, workers);
    failed.sort((a, b) => a.index - b.index);
    return { root: layout.root, tasks: tasks.length, ran, failed, stats, seconds: (finished.getTime() - started.getTime()) / 1000, interrupted, complete };
  } finally {
    await releaseLock();
  }
}

/**
 * The end of a run, whichever executor ran its tasks: merge the task markers into stats.json;
 * once every task of every segment is done, write manifest.json and drop the stages' data.
 */
export async function finishRun(plan: RunPlan, started: Date, finished: Date, workers: number): Promise<{ stats: RunStats; complete: boolean }> {
  const { config, layout, segments, tasks } = plan;
  const { stats, results, complete } = await collectResults(config, layout, segments, tasks.length);
  await writeStats(layout, config, stats, tasks.length, results.filter((r) => r.segment === segments.length - 1).length, complete);
  if (complete) {
    await writeManifest(layout, config, results, started, finished, workers);
    if (!config.output.keep_stages) await removeStageData(layout, segments);
  }
  return { stats, complete };
}

function segmentInput(layout: RunLayout, segment: Segment, task: TaskInfo): string {
  return segment.opening ? layout.stageDocuments(stepName(segment.opening), task.index) : task.inputFile;
}

/** Resolve a global step over all tasks, once: its marker holds the summary. */
export async function resolveOnce(
  layout: RunLayout,
  segment: Segment,
  tasks: number,
  options: Pick<RunOptions, 'onResolve' | 'onResolved'> = {},
): Promise<void> {
  const name = stepName(segment.closing!);
  if (await exists(layout.resolved(name))) return;
  options.onResolve?.(name);
  const started = performance.now();
  const summary = await buildGlobalStep(segment.closing!).resolve(tasks, layout.stageData(name));
  const seconds = (performance.now() - started) / 1000;
  await writeFileAtomic(layout.resolved(name), `${JSON.stringify({ step: name, summary, seconds }, null, 1)}\n`);
  options.onResolved?.(name, summary, seconds);
}

/** Task markers of every segment, merged into the run's counters in task order. */
export async function collectResults(config: PipelineConfig, layout: RunLayout, segments: Segment[], tasks: number) {
  const stats = emptyRunStats(config.steps.map((s) => ({ name: stepName(s), kind: s.step })));
  const results: TaskResult[] = [];
  let complete = true;
  for (const segment of segments) {
    const closing = segment.closing ? stepName(segment.closing) : undefined;
    for (let i = 0; i < tasks; i++) {
      const marker = layout.marker(i, closing);
      if (!(await exists(marker))) {
        complete = false;
        continue;
      }
      const result = JSON.parse(await readFile(marker, 'utf8')) as TaskResult;
      results.push(result);
      mergeRunStats(stats, result.stats);
    }
    if (closing && (await exists(layout.resolved(closing)))) {
      const { summary } = JSON.parse(await readFile(layout.resolved(closing), 'utf8')) as { summary: Record<string, number> };
      const target = stats.steps.find((s) => s.name === closing)!;
      for (const [key, n] of Object.entries(summary)) addCount(target.extra, key, n);
    }
  }
  return { stats, results, complete };
}

/**
 * Once a run is complete the stages' documents and data are no longer needed; their task markers
 * and resolve summaries stay (small), so stats.json can be rebuilt and `--resume` knows there is
 * nothing left to do.
 */
async function removeStageData(layout: RunLayout, segments: Segment[]): Promise<void> {
  for (const segment of segments) {
    if (!segment.closing) continue;
    const name = stepName(segment.closing);
    await rm(join(layout.stage(name), 'documents'), { recursive: true, force: true });
    await rm(layout.stageData(name), { recursive: true, force: true });
  }
}
