/**
 * A worker thread of `tokenizeToShards`: loads the tokenizer once, then runs the tasks it is sent,
 * one at a time, reporting progress, skipped bad records and each task's result.
 */
import { parentPort } from 'node:worker_threads';
import { errorMessage } from '../util/errors.js';
import { loadTextTokenizer, runTokenizeTask } from './tokenize-task.js';
import type { FromTokenizeWorker, ToTokenizeWorker } from './tokenize-pool.js';
import type { TextTokenizer } from './types.js';

const port = parentPort!;
const post = (message: FromTokenizeWorker) => port.postMessage(message);
let loaded: { key: string; tokenizer: Promise<TextTokenizer> } | undefined;

port.on('message', async ({ task, settings }: ToTokenizeWorker) => {
  try {
    const key = `${settings.loader}\n${settings.tokenizer}`;
    if (loaded?.key !== key) loaded = { key, tokenizer: loadTextTokenizer(settings.tokenizer, settings.loader) };
    const stats = await runTokenizeTask(task, settings, await loaded.tokenizer, {
      onProgress: (documents, bytes, tokens) => post({ type: 'progress', documents, bytes, tokens }),
      onBadRecord: (err) => post({ type: 'bad_record', message: err.message }),
    });
    post({ type: 'done', stats });
  } catch (err) {
    post({ type: 'failed', index: task.index, message: errorMessage(err) });
  }
});
