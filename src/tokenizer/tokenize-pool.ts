import { runWorkerPool } from '../util/worker-pool.js';
import type { TaskStats, TokenizeSettings, TokenizeTask } from './tokenize-task.js';

/** Main thread -> worker: run this task. */
export interface ToTokenizeWorker {
  task: TokenizeTask;
  settings: TokenizeSettings;
}

/** Worker -> main thread. */
export type FromTokenizeWorker =
  | { type: 'progress'; documents: number; bytes: number; tokens: number }
  | { type: 'bad_record'; message: string }
  | { type: 'done'; stats: TaskStats }
  | { type: 'failed'; index: number; message: string };

export interface PoolEvents {
  onProgress(documents: number, bytes: number, tokens: number): void;
  onBadRecord(message: string): void;
  onTaskDone(stats: TaskStats): void;
  onTaskFailed(index: number, message: string): void;
}

/**
 * Runs tokenize tasks on worker threads, one task per worker at a time. A task that throws, or
 * whose worker dies, is reported as failed and the others go on; aborting terminates the workers
 * while their part shards are still under temporary names.
 */
export async function runTokenizePool(
  tasks: TokenizeTask[],
  settings: TokenizeSettings,
  workers: number,
  events: PoolEvents,
  signal?: AbortSignal,
): Promise<void> {
  await runWorkerPool<TokenizeTask, FromTokenizeWorker>({
    worker: new URL('./tokenize-worker.js', import.meta.url),
    tasks,
    workers,
    signal,
    request: (task): ToTokenizeWorker => ({ task, settings }),
    onMessage(message) {
      if (message.type === 'progress') events.onProgress(message.documents, message.bytes, message.tokens);
      else if (message.type === 'bad_record') events.onBadRecord(message.message);
      else if (message.type === 'done') events.onTaskDone(message.stats);
      else events.onTaskFailed(message.index, message.message);
      return message.type === 'done' || message.type === 'failed';
    },
    onWorkerDied: (task, reason) => events.onTaskFailed(task.index, reason),
  });
}
