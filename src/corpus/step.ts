import type { Document } from './document.js';

/**
 * What a step decides about one document.
 * - keep: the document goes on; `modified` when the step changed its text (redaction, dropped
 *   lines). Labels a step adds to metadata (language, scores) do not count as a modification.
 * - remove: the document leaves the pipeline; `reason` is a short stable label (data, not a log
 *   line: it is counted and written to the audit), `detail` says what exactly fired.
 */
export type Verdict =
  | { keep: true; modified?: boolean }
  | { keep: false; reason: string; detail?: string };

export const KEEP: Verdict = Object.freeze({ keep: true });
export const KEEP_MODIFIED: Verdict = Object.freeze({ keep: true, modified: true });

export function remove(reason: string, detail?: string): Verdict {
  return detail === undefined ? { keep: false, reason } : { keep: false, reason, detail };
}

/** Free counters a step may add beside in/kept/removed/modified (e.g. PII matches per type). */
export type ExtraCounters = Record<string, number>;

/** Where a step runs: which task, which input file. */
export interface TaskInfo {
  /** 0-based task index (the rank, as in datatrove). */
  index: number;
  /** Absolute path of the input file this task reads. */
  inputFile: string;
}

/**
 * One unit of a pipeline, with one job (datatrove's PipelineStep).
 * `apply` is synchronous and called once per document, in input order; whatever a step needs to
 * load (a model, a snapshot) it loads in `open`, once per task.
 */
export interface Step {
  /** The step's kind, as written in the pipeline YAML (`robots`, `pii` ...). */
  readonly kind: string;
  /** Unique name within the pipeline; defaults to the kind. */
  readonly name: string;
  open?(task: TaskInfo): Promise<void>;
  apply(doc: Document, extra: ExtraCounters): Verdict;
  close?(): Promise<void>;
}
