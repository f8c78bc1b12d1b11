import type { Document } from './document.js';
import type { ExtraCounters, TaskInfo, Verdict } from './step.js';

/**
 * A step that can decide only after it has seen the whole corpus (deduplication across every
 * file of a run). The executor cuts the pipeline at each global step and runs it in three phases:
 *
 * 1. collect, once per task (in that task's worker), over every document that reaches the step,
 *    in task order; `ordinal` is the document's 0-based position among them. The collector
 *    writes what phase 2 needs (signatures, hashes) under `dir`, atomically, in `finish`.
 * 2. resolve, once per run, after every task has collected: reads the tasks' files (streaming,
 *    so memory stays bounded) and writes, per task, which ordinals to remove and why. It must be
 *    deterministic: the same files give the same decisions whatever the number of workers.
 * 3. filter, once per task, over the same documents in the same order.
 *
 * `dir` is a folder private to this step in this run; the step chooses the file names inside.
 */
export interface GlobalStep {
  readonly kind: string;
  readonly name: string;
  readonly global: true;
  collect(task: TaskInfo, dir: string): Promise<Collector>;
  resolve(tasks: number, dir: string, onProgress?: (done: number, total: number) => void): Promise<ResolveSummary>;
  filter(task: TaskInfo, dir: string): Promise<GlobalFilter>;
}

export interface Collector {
  add(doc: Document, ordinal: number): void | Promise<void>;
  /** Write everything collected; called once after the last document. */
  finish(): Promise<void>;
  /** Drop whatever was written (the task failed or was interrupted). */
  abort?(): Promise<void>;
}

/** Counters of the resolve phase, stored in stats.json under the step (e.g. clusters found). */
export type ResolveSummary = Record<string, number>;

export interface GlobalFilter {
  apply(doc: Document, ordinal: number, extra: ExtraCounters): Verdict;
}

export function isGlobalStep(step: unknown): step is GlobalStep {
  return typeof step === 'object' && step !== null && (step as { global?: unknown }).global === true;
}
