// Helpers shared by the kernel tests: seeded inputs, central finite differences, closeness.
import assert from 'node:assert/strict';
import { seeded } from '../helpers/random.js';

/** Deterministic values in [-scale, scale], so a failure reproduces. */
export function seededFloats(n: number, seed: number, scale = 1): Float64Array {
  const next = seeded(seed);
  return Float64Array.from({ length: n }, () => (next() * 2 - 1) * scale);
}

/** d loss / d x by central differences, perturbing x in place and restoring it. */
export function numericGradient(loss: () => number, x: Float64Array, h = 1e-5): Float64Array {
  const grad = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const saved = x[i];
    x[i] = saved + h;
    const up = loss();
    x[i] = saved - h;
    const down = loss();
    x[i] = saved;
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}

/** sum(weights * values): turns a tensor output into the scalar a gradient check needs. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** Relative error max|a - e| / max|e| below tol (the max norm keeps near-zero entries honest). */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Number.isFinite(actual[i]), `${label}: element ${i} is ${actual[i]}`);
    maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  const error = maxDiff / Math.max(maxRef, 1e-12);
  assert.ok(error < tol, `${label}: relative error ${error.toExponential(2)} >= ${tol}`);
}
