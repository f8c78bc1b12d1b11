import { Worker } from 'node:worker_threads';
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
 * Runs tasks on a pool of worker threads (one task per worker at a time). A task that throws, or
 * whose worker dies, is reported as failed and the others go on. Aborting terminates the workers
 * at once: their outputs are still under temporary names, so nothing half-written survives.
 */
export async function runLocal(
  config: PipelineConfig,
  segment: number,
  tasks: TaskInfo[],
  workers: number,
  events: ExecutorEvents,
  signal?: AbortSignal,
): Promise<void> {
  const queue = [...tasks];
  const pool: Worker[] = [];
  const size = Math.max(1, Math.min(workers, tasks.length));

  await new Promise<void>((resolveAll) => {
    let running = 0;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      for (const worker of pool) void worker.terminate();
      resolveAll();
    };
    signal?.addEventListener('abort', finish, { once: true });

    const startWorker = () => {
      const worker = new Worker(new URL('./worker.js', import.meta.url));
      pool.push(worker);
      let current: TaskInfo | undefined;
      const next = () => {
        current = queue.shift();
        if (current === undefined || signal?.aborted) {
          void worker.terminate();
          if (--running === 0) finish();
          return;
        }
        const message: ToWorker = { config, segment, task: current };
        worker.postMessage(message);
      };
      worker.on('message', (message: FromWorker) => {
        switch (message.type) {
          case 'progress':
            events.onProgress(message.documents, message.bytes);
            break;
          case 'bad_record':
            events.onBadRecord(message.message);
            break;
          case 'done':
            events.onTaskDone(message.index, message.seconds);
            next();
            break;
          case 'failed':
            events.onTaskFailed(message.index, message.message);
            next();
            break;
        }
      });
      worker.on('error', (err) => {
        // The worker died (out of memory, a crash in a native module): its task failed; go on
        // with a fresh worker so one bad file cannot stop the run.
        if (current) events.onTaskFailed(current.index, `worker died: ${err.message}`);
        current = undefined;
        if (!finished && !signal?.aborted) {
          running--;
          startWorkerCounted();
        }
      });
      next();
    };
    const startWorkerCounted = () => {
      running++;
      startWorker();
    };
    for (let i = 0; i < size; i++) startWorkerCounted();
  });
}
