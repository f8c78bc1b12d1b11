/**
 * A worker thread of the local executor: runs the tasks it is sent, one at a time, and reports
 * progress, skipped bad records and the result to the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { errorMessage } from '../../util/errors.js';
import { runRecordedTask } from '../attempt.js';
import type { ToWorker, FromWorker } from './messages.js';

const port = parentPort!;
const post = (message: FromWorker) => port.postMessage(message);

port.on('message', async (message: ToWorker) => {
  const { config, segment, task } = message;
  try {
    const result = await runRecordedTask(config, segment, task, {
      onProgress: (documents, bytes) => post({ type: 'progress', documents, bytes }),
      onBadRecord: (err) => post({ type: 'bad_record', message: err.message }),
    });
    post({ type: 'done', index: task.index, seconds: result.seconds });
  } catch (err) {
    post({ type: 'failed', index: task.index, message: errorMessage(err) });
  }
});
