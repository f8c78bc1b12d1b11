/**
 * Elementwise kernels (reference bodies of the `Backend` entries of the same names).
 *
 *   x, y, out, dx, dy: [n];  b: [bn] with n % bn == 0, broadcast as b[i % bn] (a trailing vector,
 *   e.g. a bias [C] over activations [B,T,C]; bn == n is the plain same-shape case).
 *
 * Backward kernels ACCUMULATE (dx += ...), as in llm.c: a tensor used twice gets both
 * contributions without a temporary, and the autograd never needs to zero between ops.
 */
import type { Floats } from './types.js';

export function add(n: number, a: Floats, b: Floats, bn: number, out: Floats): void {
  for (let i = 0; i < n; i++) out[i] = a[i] + b[i % bn];
}

export function sub(n: number, a: Floats, b: Floats, bn: number, out: Floats): void {
  for (let i = 0; i < n; i++) out[i] = a[i] - b[i % bn];
}

export function mul(n: number, a: Floats, b: Floats, bn: number, out: Floats): void {
  for (let i = 0; i < n; i++) out[i] = a[i] * b[i % bn];
}

/** mul backward: da += dy * b;  db[i % bn] += dy * a. Either gradient may be absent. */
export function mulBackward(
  n: number, a: Floats, b: Floats, bn: number, dy: Floats,
  da: Floats | null, db: Floats | null,
): void {
  for (let i = 0; i < n; i++) {
    if (da) da[i] += dy[i] * b[i % bn];
    if (db) db[i % bn] += dy[i] * a[i];
  }
}

/** out = alpha * x (out may be x). */
export function scale(n: number, alpha: number, x: Floats, out: Floats): void {
  for (let i = 0; i < n; i++) out[i] = alpha * x[i];
}

/** y += alpha * x; the gradient accumulation of add/sub/scale/reshape. */
export function axpy(n: number, alpha: number, x: Floats, y: Floats): void {
  for (let i = 0; i < n; i++) y[i] += alpha * x[i];
}

export function relu(n: number, x: Floats, out: Floats): void {
  for (let i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : 0;
}

export function reluBackward(n: number, x: Floats, dy: Floats, dx: Floats): void {
  for (let i = 0; i < n; i++) if (x[i] > 0) dx[i] += dy[i];
}

// GELU, tanh approximation as GPT-2: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
const GELU_S = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

export function gelu(n: number, x: Floats, out: Floats): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    out[i] = 0.5 * v * (1 + Math.tanh(GELU_S * (v + GELU_C * v * v * v)));
  }
}

export function geluBackward(n: number, x: Floats, dy: Floats, dx: Floats): void {
  for (let i = 0; i < n; i++) {
    const v = x[i];
    const t = Math.tanh(GELU_S * (v + GELU_C * v * v * v));
    const dInner = GELU_S * (1 + 3 * GELU_C * v * v);
    dx[i] += dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * dInner);
  }
}
