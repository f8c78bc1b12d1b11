import { Worker } from 'node:worker_threads';

export interface WorkerPoolOptions<Task extends { index: number }, Message> {
  /** The worker thread's entry module. */
  worker: URL;
  tasks: Task[];
  /** Threads to start (at most one per task). */
  workers: number;
  /** What to post to a worker to run one task. */
  request(task: Task): unknown;
  /** Every message a worker posts; return true when it ends the current task (done or failed). */
  onMessage(message: Message, task: Task): boolean;
  /** A worker died while running `task` (out of memory, a crash in a native module). */
  onWorkerDied(task: Task, reason: string): void;
  signal?: AbortSignal;
}

/**
 * Runs tasks on worker threads, one task per worker at a time, in queue order. A worker that dies
 * fails its task and is replaced, so one bad input cannot stop the run. Aborting terminates every
 * worker at once: whatever they were writing is still under temporary names.
 */
export async function runWorkerPool<Task extends { index: number }, Message>(options: WorkerPoolOptions<Task, Message>): Promise<void> {
  const { tasks, signal } = options;
  if (tasks.length === 0) return;
  const queue = [...tasks];
  const pool = new Set<Worker>();
  let running = 0;
  await new Promise<void>((resolveAll) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      for (const worker of pool) void worker.terminate();
      resolveAll();
    };
    if (signal?.aborted) return finish();
    signal?.addEventListener('abort', finish, { once: true });

    const start = () => {
      running++;
      const worker = new Worker(options.worker);
      pool.add(worker);
      let current: Task | undefined;
      const stop = () => {
        pool.delete(worker);
        void worker.terminate();
        if (--running === 0) finish();
      };
      const next = () => {
        current = queue.shift();
        if (current === undefined || signal?.aborted) return stop();
        worker.postMessage(options.request(current));
      };
      worker.on('message', (message: Message) => {
        if (finished || current === undefined) return;
        if (options.onMessage(message, current)) next();
      });
      let lastError: string | undefined;
      worker.on('error', (err) => {
        lastError = err.message;
      });
      worker.on('exit', (code) => {
        if (!pool.delete(worker)) return; // stopped by us
        if (current && !finished) options.onWorkerDied(current, `worker died: ${lastError ?? `exit code ${code}`}`);
        running--;
        if (!finished && !signal?.aborted && queue.length > 0) start();
        else if (running === 0) finish();
      });
      next();
    };
    const size = Math.max(1, Math.min(options.workers, tasks.length));
    for (let i = 0; i < size; i++) start();
  });
}
