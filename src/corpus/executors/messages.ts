import type { PipelineConfig } from '../config.js';
import type { TaskInfo } from '../step.js';

/** Main thread -> worker: run this task. */
export interface ToWorker {
  config: PipelineConfig;
  task: TaskInfo;
}

/** Worker -> main thread. */
export type FromWorker =
  | { type: 'progress'; documents: number; bytes: number }
  | { type: 'bad_record'; message: string }
  | { type: 'done'; index: number; seconds: number }
  | { type: 'failed'; index: number; message: string };
