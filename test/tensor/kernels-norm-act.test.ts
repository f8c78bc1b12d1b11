import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rmsnormBackward, rmsnormForward } from '../../src/tensor/kernels/rmsnorm.js';
import {
  softplus, XIELU_BETA, xieluBackward, xieluForward, xieluInit, type XieluParams,
} from '../../src/tensor/kernels/xielu.js';
import { assertClose, dot, numericGradient, seededFloats } from './kernels-gradcheck.js';

test('rmsnorm forward matches the formula and has unit rms before the weight', () => {
  const N = 3, C = 7;
  const x = seededFloats(N * C, 1, 3);
  const w = new Float64Array(C).fill(1);
  const out = new Float64Array(N * C);
  const rstd = new Float64Array(N);
  rmsnormForward(out, rstd, x, w, N, C);
  for (let i = 0; i < N; i++) {
    const row = out.subarray(i * C, (i + 1) * C);
    const meanSquare = dot(row, row) / C;
    const xs = x.subarray(i * C, (i + 1) * C);
    assert.ok(Math.abs(meanSquare - (dot(xs, xs) / C) / (dot(xs, xs) / C + 1e-5)) < 1e-12);
  }
});

test('rmsnorm backward matches finite differences (dx and dw accumulate)', () => {
  const N = 5, C = 9;
  const x = seededFloats(N * C, 2, 2);
  const w = seededFloats(C, 3, 1.5);
  const dout = seededFloats(N * C, 4);
  const loss = (): number => {
    const out = new Float64Array(N * C);
    rmsnormForward(out, new Float64Array(N), x, w, N, C);
    return dot(out, dout);
  };
  const rstd = new Float64Array(N);
  rmsnormForward(new Float64Array(N * C), rstd, x, w, N, C);
  const dx = new Float64Array(N * C).fill(0.25); // pre-existing gradient must be kept
  const dw = new Float64Array(C).fill(-0.5);
  rmsnormBackward(dx, dw, dout, x, w, rstd, N, C);
  assertClose(dx.map((g) => g - 0.25), numericGradient(loss, x), 1e-6, 'dx');
  assertClose(dw.map((g) => g + 0.5), numericGradient(loss, w), 1e-6, 'dw');
});

test('xielu init gives a_p = a_n = 0.8', () => {
  const p = xieluInit();
  assert.ok(Math.abs(softplus(p.alphaP) - 0.8) < 1e-14);
  assert.ok(Math.abs(XIELU_BETA + softplus(p.alphaN) - 0.8) < 1e-14);
});

test('xielu matches hand-computed values, including x = 0', () => {
  const x = new Float64Array([2, 0.5, 0, -1, -3, -1e-7]);
  const out = new Float64Array(x.length);
  xieluForward(out, x, xieluInit());
  const expected = [
    0.8 * 4 + 0.5 * 2, // 4.2
    0.8 * 0.25 + 0.25, // 0.45
    0.8 * Math.expm1(-1e-6), // x = 0 takes the negative branch, clamped at eps
    0.8 * (Math.expm1(-1) + 1) - 0.5,
    0.8 * (Math.expm1(-3) + 3) - 1.5,
    0.8 * (Math.expm1(-1e-6) + 1e-7) - 0.5e-7, // between eps and 0: clamped expm1
  ];
  assertClose(out, expected, 1e-12, 'xielu values');
  assert.ok(Math.abs(out[0] - 4.2) < 1e-12);
});

test('xielu backward matches finite differences for x, alpha_p and alpha_n', () => {
  const n = 23;
  const x = seededFloats(n, 5, 3).map((v) => (Math.abs(v) < 1e-3 ? v + 0.01 : v)); // keep off the kinks
  const dout = seededFloats(n, 6);
  const params: XieluParams = { alphaP: 0.3, alphaN: -0.7 };
  const theta = new Float64Array([params.alphaP, params.alphaN]);
  const loss = (): number => {
    const out = new Float64Array(n);
    xieluForward(out, x, { alphaP: theta[0], alphaN: theta[1] });
    return dot(out, dout);
  };
  const dx = new Float64Array(n);
  const grads = xieluBackward(dx, dout, x, params);
  assertClose(dx, numericGradient(loss, x), 1e-6, 'dx');
  assertClose([grads.alphaP, grads.alphaN], numericGradient(loss, theta), 1e-6, 'dalpha');
});
