/**
 * Reductions (reference bodies of the `Backend` entries of the same names).
 *
 *   x: [n];  out: [bn] with n % bn == 0
 *
 * Sums run in float64 (a JS number) whatever the storage type, so a float32 sum over millions of
 * elements does not drift; a native backend should accumulate in double as well.
 */
import type { Floats } from './types.js';

export function sum(n: number, x: Floats): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i];
  return s;
}

/** sum of x^2: one parameter's share of the global gradient norm used for clipping. */
export function sumSquares(n: number, x: Floats): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i] * x[i];
  return s;
}

/** out[j] += alpha * sum over i with i % bn == j of x[i]: backward of broadcasting a trailing vector. */
export function sumToTrailing(n: number, bn: number, alpha: number, x: Floats, out: Floats): void {
  for (let i = 0; i < n; i += bn) for (let j = 0; j < bn; j++) out[j] += alpha * x[i + j];
}
