import type { PipelineConfig } from '../config.js';
import type { TaskInfo } from '../step.js';

/** Main thread -> worker: run this task. */
export interface ToWorker {
  config: PipelineConfig;
  /** Which segment of the pipeline (see plan.ts) to run over the task. */
  segment: number;
  task: TaskInfo;
}

/** Worker -> main thread. */
export type FromWorker =
  | { type: 'progress'; documents: number; bytes: number }
  | { type: 'bad_record'; message: string }
  | { type: 'done'; index: number; seconds: number }
  | { type: 'failed'; index: number; message: string };
