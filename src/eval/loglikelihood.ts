/**
 * Log-probabilities of the tokens of many sequences under a model, batched: the one primitive
 * behind perplexity and multiple choice. Sequences of a batch are padded at the end to the longest
 * one; attention is causal, so padding never reaches a real token.
 */
import type { Apertus } from '../model/index.js';
import { noGrad, step } from '../tensor/index.js';

export interface LogProbOptions {
  /** rows per forward pass (default 8) */
  batchSize?: number;
  /** called after each batch with the sequences done */
  onProgress?: (done: number, total: number) => void;
}

/**
 * For each sequence s (length n >= 2, at most maxPositions), log p(s[t+1] | s[0..t]) for
 * t = 0..n-2: Float64Array [n - 1]. Computed in float64 from the model's logits.
 */
export function tokenLogProbs(model: Apertus, sequences: readonly ArrayLike<number>[], options: LogProbOptions = {}): Float64Array[] {
  const batchSize = options.batchSize ?? 8;
  const V = model.config.vocabSize;
  const out: Float64Array[] = new Array(sequences.length);
  for (const s of sequences) {
    if (s.length < 2) throw new Error('tokenLogProbs: every sequence needs at least 2 tokens');
    if (s.length > model.config.maxPositions) throw new Error(`tokenLogProbs: a sequence of ${s.length} tokens exceeds maxPositions ${model.config.maxPositions}`);
  }
  // Similar lengths together: less padding.
  const order = sequences.map((_, i) => i).sort((a, b) => sequences[a]!.length - sequences[b]!.length);
  let done = 0;
  for (let start = 0; start < order.length; start += batchSize) {
    const rows = order.slice(start, start + batchSize);
    const T = Math.max(...rows.map((i) => sequences[i]!.length)) - 1;
    const ids = new Int32Array(rows.length * T);
    rows.forEach((i, b) => {
      const s = sequences[i]!;
      for (let t = 0; t < Math.min(T, s.length); t++) ids[b * T + t] = s[t]!;
    });
    step(() => noGrad(() => {
      const logits = model.forward(ids, { batchSize: rows.length }).data; // [B, T, V]
      rows.forEach((i, b) => {
        const s = sequences[i]!;
        const values = new Float64Array(s.length - 1);
        for (let t = 0; t < s.length - 1; t++) values[t] = logSoftmaxAt(logits, (b * T + t) * V, V, s[t + 1]!);
        out[i] = values;
      });
    }));
    done += rows.length;
    options.onProgress?.(done, sequences.length);
  }
  return out;
}

/** log softmax(row)[target] of the row starting at `offset` */
function logSoftmaxAt(logits: ArrayLike<number>, offset: number, V: number, target: number): number {
  let max = -Infinity;
  for (let v = 0; v < V; v++) if (logits[offset + v]! > max) max = logits[offset + v]!;
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(logits[offset + v]! - max);
  return logits[offset + target]! - max - Math.log(sum);
}
