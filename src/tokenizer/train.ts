/**
 * Byte-level BPE training: count the pre-tokens of a stream of texts (train-counts.ts), then learn
 * merges on them (train-merges.ts, which documents the order of ids and the tie-breaking rule).
 * Memory grows with the number of distinct pre-tokens, never with the size of the corpus; the
 * result depends only on the multiset of texts, not on their order or on how they are streamed.
 */
import { PreTokenizer } from './pretokenize.js';
import { countPretokens, type CountProgress } from './train-counts.js';
import { checkMergeOptions, learnMerges, type MergeProgress } from './train-merges.js';
import { APERTUS_SPECIAL_TOKENS, DEFAULT_PATTERN, type BpeModel, type SpecialToken } from './types.js';

export type { CountProgress } from './train-counts.js';
export type { MergeProgress } from './train-merges.js';
export { textsFromFiles, type TextFileOptions } from './train-input.js';

/** First `count` reports while reading, then `merge` reports while learning merges. */
export type TrainProgress = CountProgress | MergeProgress;

export interface TrainOptions {
  /** Size of the final vocabulary, special tokens and the 256 byte tokens included. */
  vocabSize: number;
  /** Pre-tokenization regex (`tokenizers` syntax, see pattern.ts); default: the tekken split. */
  pattern?: string;
  /** Default: Apertus's `<unk>` 0, `<s>` 1, `</s>` 2, `<pad>` 3. Ids must be 0..n-1. */
  specialTokens?: SpecialToken[];
  /** Pairs seen fewer times than this are never merged, so the vocabulary may end up smaller. Default 2. */
  minFrequency?: number;
  /** Pre-tokens longer than this many UTF-8 bytes are not counted. Default: no limit. */
  maxPretokenLength?: number;
  onProgress?(progress: TrainProgress): void;
}

/**
 * Trains a byte-level BPE model on `texts`. All 256 bytes are in the vocabulary whatever the
 * input, so any text can be encoded. Throws before reading anything when the options are invalid.
 */
export async function trainBpe(texts: AsyncIterable<string> | Iterable<string>, options: TrainOptions): Promise<BpeModel> {
  const pattern = options.pattern ?? DEFAULT_PATTERN;
  const specialTokens = options.specialTokens ?? APERTUS_SPECIAL_TOKENS;
  const minFrequency = options.minFrequency ?? 2;
  const mergeOptions = { vocabSize: options.vocabSize, specialTokens, minFrequency, pattern, onProgress: options.onProgress };
  checkMergeOptions(mergeOptions);
  new PreTokenizer([pattern]);
  const counts = await countPretokens(texts, { pattern, maxPretokenLength: options.maxPretokenLength, onProgress: options.onProgress });
  return learnMerges(counts, mergeOptions);
}
