// Models whose answers are known: all residual branches zero, so the logits at a position depend
// only on its token, and equal a table B[token] that the test chooses (a bigram model).
import { Apertus } from '../../src/model/index.js';

/** A model with logits(next | current = c) = table[c] (V = C = table.length). */
export function bigramModel(table: number[][], maxPositions = 64): Apertus {
  const V = table.length;
  const eps = 1e-5;
  const model = new Apertus({
    vocabSize: V, hiddenSize: V, intermediateSize: 8, numLayers: 1, numHeads: 2, numKvHeads: 1, maxPositions, rmsNormEps: eps,
    bosId: 1, eosId: 2, padId: 3,
  }, { init: 'zeros' });
  // embedding: one-hot rows; RMSNorm scales a one-hot row by 1 / sqrt(1/V + eps)
  for (let c = 0; c < V; c++) model.embedTokens.data[c * V + c] = 1;
  const gain = 1 / Math.sqrt(1 / V + eps);
  for (let v = 0; v < V; v++) for (let c = 0; c < V; c++) model.lmHead.data[v * V + c] = table[c]![v]! / gain;
  return model;
}

/** log softmax of a row */
export function logSoftmax(row: number[]): number[] {
  const max = Math.max(...row);
  const log = Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0)) + max;
  return row.map((x) => x - log);
}

/** A table where token c is followed by (c + 1) mod V with logit `strength`, others 0. */
export function chainTable(V: number, strength = 8): number[][] {
  return Array.from({ length: V }, (_, c) => Array.from({ length: V }, (_, v) => (v === (c + 1) % V ? strength : 0)));
}
