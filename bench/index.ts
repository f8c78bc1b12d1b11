/**
 * `npm run bench [-- NAME ...]`: runs the named benchmarks (all when none is named). Each prints
 * its figures next to a named peer measured in the same run, and ends with one line of JSON.
 */
import { benchApertus } from './apertus.js';
import { benchLanguage } from './language.js';
import { benchMatmul } from './matmul.js';
import { benchMinhash } from './minhash.js';
import { benchPipeline } from './pipeline.js';
import { benchQuality } from './quality.js';
import { benchTokenizer } from './tokenizer.js';
import { benchTrainStep } from './train-step.js';
import { benchTokenizerTrain } from './tokenizer-train.js';

const BENCHMARKS: Record<string, () => Promise<void>> = {
  pipeline: benchPipeline,
  language: benchLanguage,
  minhash: benchMinhash,
  matmul: benchMatmul,
  quality: benchQuality,
  tokenizer: benchTokenizer,
  'tokenizer-train': benchTokenizerTrain,
  'train-step': benchTrainStep,
  apertus: benchApertus,
};

const names = process.argv.slice(2);
for (const name of names) {
  if (!BENCHMARKS[name]) {
    process.stderr.write(`unknown benchmark ${name}; known: ${Object.keys(BENCHMARKS).join(', ')}\n`);
    process.exit(2);
  }
}
for (const name of names.length > 0 ? names : Object.keys(BENCHMARKS)) await BENCHMARKS[name]!();
