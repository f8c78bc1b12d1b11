import { runWorkerPool } from '../../util/worker-pool.js';
import type { PipelineConfig } from '../config.js';
import type { TaskInfo } from '../step.js';
import type { FromWorker, ToWorker } from './messages.js';

export interface ExecutorEvents {
  onProgress(documents: number, bytes: number): void;
  onBadRecord(message: string): void;
  onTaskDone(index: number, seconds: number): void;
  onTaskFailed(index: number, message: string): void;
}

/**
 * Runs one segment of a pipeline over tasks on a pool of worker threads. A task that throws, or
 * whose worker dies, is reported as failed and the others go on.
 */
export async function runLocal(
  config: PipelineConfig,
  segment: number,
  tasks: TaskInfo[],
  workers: number,
  events: ExecutorEvents,
  signal?: AbortSignal,
): Promise<void> {
  await runWorkerPool<TaskInfo, FromWorker>({
    worker: new URL('./worker.js', import.meta.url),
    tasks,
    workers,
    signal,
    request: (task): ToWorker => ({ config, segment, task }),
    onMessage(message) {
      switch (message.type) {
        case 'progress':
          events.onProgress(message.documents, message.bytes);
          return false;
        case 'bad_record':
          events.onBadRecord(message.message);
          return false;
        case 'done':
          events.onTaskDone(message.index, message.seconds);
          return true;
        case 'failed':
          events.onTaskFailed(message.index, message.message);
          return true;
      }
    },
    onWorkerDied: (task, reason) => events.onTaskFailed(task.index, reason),
  });
}
