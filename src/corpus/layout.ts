import { join } from 'node:path';
import { outputExtension } from './io/index.js';
import type { OutputFormat } from './io/types.js';

/**
 * Where a run keeps its files. One folder per run:
 *   documents/00000.jsonl.zst        kept documents of task 0
 *   removed/<step>/00000.jsonl.zst   the audit: removed documents with step, reason and detail
 *   tasks/00000.json                 completion marker of task 0 (its counters, digests, timing)
 *   tasks/00000.attempt              while task 0 has not finished: where it runs, or its error
 *   logs/00000.log                   malformed records and errors of task 0
 *   stages/<global step>/            for each global step (deduplication): the documents that
 *     documents/00000.jsonl.zst      reached it, its own data (signatures, decisions), the
 *     data/  tasks/  resolved.json   markers of the segment that collected for it
 *   stats.json, manifest.json        merged counters; config, inputs, outputs, version, timings
 *   run.json                         identity, config and input list (what jobs elsewhere run from)
 *   slurm/                           Slurm executor: job scripts, jobs.json, logs/ of every job
 */
export class RunLayout {
  constructor(
    readonly root: string,
    readonly format: OutputFormat,
  ) {}

  static rank(index: number): string {
    return String(index).padStart(5, '0');
  }

  documents(index: number): string {
    return join(this.root, 'documents', `${RunLayout.rank(index)}${outputExtension(this.format)}`);
  }

  removed(step: string, index: number): string {
    return join(this.root, 'removed', step, `${RunLayout.rank(index)}${outputExtension(this.format)}`);
  }

  /** Completion marker of a task of the last segment, or of the segment collecting for `stage`. */
  marker(index: number, stage?: string): string {
    return join(stage ? this.stage(stage) : this.root, 'tasks', `${RunLayout.rank(index)}.json`);
  }

  log(index: number): string {
    return join(this.root, 'logs', `${RunLayout.rank(index)}.log`);
  }

  stage(step: string): string {
    return join(this.root, 'stages', step);
  }

  /** Documents that reached a global step; always jsonl.zst, whatever the output format. */
  stageDocuments(step: string, index: number): string {
    return join(this.stage(step), 'documents', `${RunLayout.rank(index)}.jsonl.zst`);
  }

  stageData(step: string): string {
    return join(this.stage(step), 'data');
  }

  resolved(step: string): string {
    return join(this.stage(step), 'resolved.json');
  }

  get stats(): string {
    return join(this.root, 'stats.json');
  }

  get manifest(): string {
    return join(this.root, 'manifest.json');
  }

  get lock(): string {
    return join(this.root, 'run.lock');
  }
}
