import { join } from 'node:path';
import { outputExtension } from './io/index.js';
import type { OutputFormat } from './io/types.js';

/**
 * Where a run keeps its files. One folder per run:
 *   documents/00000.jsonl.zst        kept documents of task 0
 *   removed/<step>/00000.jsonl.zst   the audit: removed documents with step, reason and detail
 *   tasks/00000.json                 completion marker of task 0 (its counters, digests, timing)
 *   logs/00000.log                   malformed records and errors of task 0
 *   stats.json, manifest.json        merged counters; config, inputs, outputs, version, timings
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

  marker(index: number): string {
    return join(this.root, 'tasks', `${RunLayout.rank(index)}.json`);
  }

  log(index: number): string {
    return join(this.root, 'logs', `${RunLayout.rank(index)}.log`);
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
