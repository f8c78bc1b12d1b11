/** Loading a model for a command: `--model` is a run folder, a checkpoint or a Hugging Face folder. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel } from '../hf/index.js';
import type { Apertus } from '../model/index.js';
import { loadTokenizer, type Tokenizer } from '../tokenizer/index.js';
import { modelFolder } from '../train/checkpoint.js';
import { UserError } from '../util/errors.js';

export interface ModelFlags {
  model: string;
  tokenizer?: string;
}

/**
 * The model of a folder and its tokenizer (the folder's tokenizer.json, or --tokenizer); with
 * `tokenizerNeeded`, `why` says what the user can do instead when there is none.
 */
export async function loadModelAndTokenizer(flags: ModelFlags, tokenizerNeeded: boolean, why = 'pass --tokenizer FILE'):
Promise<{ model: Apertus; tokenizer?: Tokenizer; folder: string }> {
  const folder = await modelFolder(flags.model);
  const model = await loadModel(folder, { onWarning: (w) => process.stderr.write(`warning: ${w}\n`) });
  if (flags.tokenizer && !existsSync(flags.tokenizer)) throw new UserError(`--tokenizer ${flags.tokenizer}: no such file`);
  const file = flags.tokenizer ?? join(folder, 'tokenizer.json');
  const tokenizer = existsSync(file) ? await loadTokenizer(file) : undefined;
  if (tokenizerNeeded && !tokenizer) throw new UserError(`${folder} has no tokenizer.json: ${why}`);
  if (tokenizer && tokenizer.vocabSize > model.config.vocabSize) {
    throw new UserError(`the tokenizer has ${tokenizer.vocabSize} tokens, the model only ${model.config.vocabSize}: is it the model's tokenizer?`);
  }
  return { model, tokenizer, folder };
}
