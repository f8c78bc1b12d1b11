/**
 * Text generation for one sequence with a key/value cache: the prompt runs once (prefill), then
 * each new token runs alone and attends to the cached keys and values of every earlier position.
 * Projections, norms, RoPE and the MLP are the model's own methods (under noGrad, in a step so
 * buffers recycle); only attention over the cache is a plain loop here, since the fused kernel
 * needs as many keys as queries.
 */
import { add, allocate, embedding, linear, noGrad, step, Tensor } from '../tensor/index.js';
import type { Floats } from '../tensor/index.js';
import type { Apertus } from './apertus.js';
import { uniform } from './random.js';

/** Keys and values of every processed position, per layer: [capacity, Hkv, D]. */
export class KVCache {
  readonly keys: Floats[];
  readonly values: Floats[];
  /** positions filled */
  length = 0;

  constructor(readonly model: Apertus, readonly capacity: number) {
    const { numLayers, numKvHeads, headDim } = model.config;
    const make = () => (model.dtype === 'float64' ? new Float64Array(capacity * numKvHeads * headDim) : new Float32Array(capacity * numKvHeads * headDim));
    this.keys = Array.from({ length: numLayers }, make);
    this.values = Array.from({ length: numLayers }, make);
  }
}

/**
 * Runs `tokens` (the next positions of the sequence) through the model, appending to the cache;
 * returns the logits [V] of the last token as float64.
 */
export function forwardCached(model: Apertus, cache: KVCache, tokens: Int32Array): Float64Array {
  const n = tokens.length, start = cache.length;
  const { hiddenSize: C, numHeads: Hq, numKvHeads: Hkv, headDim: D } = model.config;
  if (n === 0) throw new Error('forwardCached: no tokens');
  if (start + n > cache.capacity) throw new Error(`forwardCached: ${start + n} positions exceed the cache (${cache.capacity})`);
  return step(() => noGrad(() => {
    const positions = Int32Array.from({ length: n }, (_, i) => start + i);
    const tables = model.ropeTablesFor(start + n);
    let x = embedding(model.embedTokens, tokens, [1, n]);
    model.layers.forEach((layer, l) => {
      const { q, k, v } = model.queryKeyValue(layer, x, 1, n, tables, positions);
      cache.keys[l].set(k.data, start * Hkv * D);
      cache.values[l].set(v.data, start * Hkv * D);
      const y = allocate([1, n, Hq * D], model.dtype);
      attendToCache(y.data, q.data, cache.keys[l], cache.values[l], start, n, Hq, Hkv, D);
      x = add(x, linear(y, layer.selfAttn.oProj));
      x = add(x, model.feedForward(layer, x));
    });
    cache.length = start + n;
    const last = new Tensor(x.data.slice((n - 1) * C, n * C), [1, C]);
    return Float64Array.from(model.head(last).data);
  }));
}

// q [n, Hq, D] at positions start..start+n-1; keys, values [>= start+n, Hkv, D] -> out [n, Hq, D]
function attendToCache(
  out: Floats, q: Floats, keys: Floats, values: Floats, start: number, n: number, Hq: number, Hkv: number, D: number,
): void {
  const group = Hq / Hkv, scale = 1 / Math.sqrt(D);
  const scores = new Float64Array(start + n);
  const acc = new Float64Array(D);
  for (let i = 0; i < n; i++) {
    const last = start + i; // attends to keys 0..last
    for (let h = 0; h < Hq; h++) {
      const hk = Math.floor(h / group);
      const qi = (i * Hq + h) * D;
      let max = -Infinity;
      for (let j = 0; j <= last; j++) {
        const kj = (j * Hkv + hk) * D;
        let dot = 0;
        for (let d = 0; d < D; d++) dot += q[qi + d] * keys[kj + d];
        scores[j] = dot * scale;
        if (scores[j] > max) max = scores[j];
      }
      let sum = 0;
      acc.fill(0);
      for (let j = 0; j <= last; j++) {
        const p = Math.exp(scores[j] - max);
        sum += p;
        const vj = (j * Hkv + hk) * D;
        for (let d = 0; d < D; d++) acc[d] += p * values[vj + d];
      }
      for (let d = 0; d < D; d++) out[qi + d] = acc[d] / sum;
    }
  }
}

export interface GenerateOptions {
  /** tokens to add after the prompt (default 32) */
  maxNewTokens?: number;
  /** argmax at every step (also when temperature is 0) */
  greedy?: boolean;
  /** softmax temperature (default 1) */
  temperature?: number;
  /** nucleus sampling: smallest set of most likely tokens with mass >= topP (default 1: all) */
  topP?: number;
  /** seed of the sampler (default 0) */
  seed?: number;
  /** stop after any of these ids (default [eosId]); [] never stops early */
  stopIds?: number[];
  /** called with each new token as it is chosen */
  onToken?: (id: number) => void;
}

/** Continues `promptIds`; returns the new tokens only (including a final stop id, if reached). */
export function generate(model: Apertus, promptIds: ArrayLike<number>, options: GenerateOptions = {}): Int32Array {
  const maxNewTokens = options.maxNewTokens ?? 32;
  const temperature = options.temperature ?? 1;
  const greedy = options.greedy === true || temperature === 0;
  const topP = options.topP ?? 1;
  if (promptIds.length === 0) throw new Error('generate: the prompt is empty (start it with the BOS id)');
  if (!(temperature >= 0)) throw new Error(`generate: temperature must be >= 0, got ${temperature}`);
  if (!(topP > 0 && topP <= 1)) throw new Error(`generate: topP must be in (0, 1], got ${topP}`);
  if (promptIds.length >= model.config.maxPositions) {
    throw new Error(`generate: a prompt of ${promptIds.length} tokens leaves no room below maxPositions ${model.config.maxPositions}`);
  }
  const stop = new Set(options.stopIds ?? [model.config.eosId]);
  const capacity = Math.min(promptIds.length + maxNewTokens, model.config.maxPositions);
  const cache = new KVCache(model, capacity);
  const random = uniform(options.seed ?? 0);
  const out: number[] = [];
  let input = Int32Array.from(promptIds);
  while (out.length < maxNewTokens && cache.length + input.length <= capacity) {
    const logits = forwardCached(model, cache, input);
    const id = greedy ? argmax(logits) : sample(logits, temperature, topP, random);
    out.push(id);
    options.onToken?.(id);
    if (stop.has(id)) break;
    input = Int32Array.of(id);
  }
  return Int32Array.from(out);
}

/** Index of the largest value (the first of equals, like torch.argmax). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Draws from softmax(logits / temperature), restricted to the top-p nucleus. */
export function sample(logits: ArrayLike<number>, temperature: number, topP: number, random: () => number): number {
  const V = logits.length;
  let max = -Infinity;
  for (let i = 0; i < V; i++) max = Math.max(max, logits[i] / temperature);
  const probs = new Float64Array(V);
  let total = 0;
  for (let i = 0; i < V; i++) total += probs[i] = Math.exp(logits[i] / temperature - max);
  const order = Array.from({ length: V }, (_, i) => i);
  let kept = order;
  if (topP < 1) {
    order.sort((a, b) => probs[b] - probs[a]);
    let mass = 0, count = 0;
    while (count < V && mass < topP * total) mass += probs[order[count++]];
    kept = order.slice(0, count);
    total = mass;
  }
  let u = random() * total;
  for (const i of kept) {
    u -= probs[i];
    if (u < 0) return i;
  }
  return kept[kept.length - 1];
}
