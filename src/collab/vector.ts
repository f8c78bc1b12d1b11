/**
 * Flat parameter vectors (one Float32Array per model) and the little arithmetic the strategies
 * need. Dots and norms sum in double so results do not depend on vector length rounding.
 */
import { getBackend } from '../tensor/index.js';

export type Vector = Float32Array;

/** y += alpha x */
export function axpy(alpha: number, x: Vector, y: Vector): void {
  getBackend().axpy(x.length, alpha, x, y);
}

export function dot(a: Vector, b: Vector): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** ||a - b||_2 */
export function distance(a: Vector, b: Vector): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return Math.sqrt(s);
}

/** sum_k weights[k] vectors[k] / sum_k weights[k], accumulated in double. */
export function weightedMean(vectors: readonly Vector[], weights?: readonly number[]): Vector {
  if (vectors.length === 0) throw new Error('weightedMean: no vectors');
  const n = vectors[0].length;
  const acc = new Float64Array(n);
  let total = 0;
  vectors.forEach((v, k) => {
    const w = weights ? weights[k] : 1;
    total += w;
    for (let i = 0; i < n; i++) acc[i] += w * v[i];
  });
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = acc[i] / total;
  return out;
}

/** (a + b) / 2 */
export function midpoint(a: Vector, b: Vector): Vector {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] + b[i]) / 2;
  return out;
}

export function copy(v: Vector): Vector {
  return new Float32Array(v);
}
