// The native RMSNorm, RoPE and xIELU kernels against the reference, and the addon's thread pool:
// every kernel gives the same result on 1 and 2 threads (bit for bit where the work splits into
// independent parts), on sizes large enough that the pool really splits them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadNative, nativeBackend, nativeProblem, positionsFromDocIds, reference, ropeTables } from '../../src/tensor/index.js';
import type { Backend, TransformerKernels } from '../../src/tensor/index.js';
import { chooseBlasCore } from '../../src/tensor/native.js';
import { seeded } from '../helpers/random.js';

const addon = loadNative();
const skip = addon ? false : `native addon not built (${nativeProblem()})`;
const native: Backend = addon ? nativeBackend(addon) : reference;
const nk = native.transformer as TransformerKernels;
const rk = reference.transformer as TransformerKernels;
const random = seeded(7);

function randn(n: number, spread = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = spread * (2 * random() - 1);
  return out;
}

function near(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = 1e-5): void {
  assert.equal(actual.length, expected.length, what);
  let diff = 0, scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  assert.ok(diff / Math.max(scale, 1e-30) < tol, `${what}: relative error ${diff / scale}`);
}

/** `fn` run with the pool at 1 and at 2 threads; restores the thread count. */
function onThreads<T>(fn: () => T): [T, T] {
  const before = addon!.getThreads();
  try {
    addon!.setThreads(1);
    const one = fn();
    addon!.setThreads(2);
    return [one, fn()];
  } finally {
    addon!.setThreads(before);
  }
}

test('rmsnorm forward and backward match the reference (rows of 1, odd widths, QK-norm shapes)', { skip }, () => {
  for (const [N, C] of [[1, 1], [3, 7], [130, 64], [257, 384]] as const) {
    const x = randn(N * C, 3), w = randn(C), dout = randn(N * C);
    const outs = [new Float32Array(N * C), new Float32Array(N * C)], rstds = [new Float32Array(N), new Float32Array(N)];
    rk.rmsnormForward(outs[0]!, rstds[0]!, x, w, N, C);
    nk.rmsnormForward(outs[1]!, rstds[1]!, x, w, N, C);
    near(outs[1]!, outs[0]!, `rmsnorm out [${N},${C}]`);
    near(rstds[1]!, rstds[0]!, `rmsnorm rstd [${N},${C}]`);
    const dx = [randn(N * C), new Float32Array(N * C)], dw = [randn(C), new Float32Array(C)];
    dx[1]!.set(dx[0]!), dw[1]!.set(dw[0]!);
    rk.rmsnormBackward(dx[0]!, dw[0]!, dout, x, w, rstds[0]!, N, C);
    nk.rmsnormBackward(dx[1]!, dw[1]!, dout, x, w, rstds[0]!, N, C);
    near(dx[1]!, dx[0]!, `rmsnorm dx [${N},${C}]`);
    near(dw[1]!, dw[0]!, `rmsnorm dweight [${N},${C}]`);
  }
});

test('rope forward (also in place) and backward match the reference, with and without document positions', { skip }, () => {
  const tables = ropeTables({ headDim: 16, maxPositions: 64, theta: 500000, scaling: { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 16 } });
  const B = 3, T = 40, H = 5, n = B * T * H * 16;
  const docIds = new Int32Array(B * T).map((_, i) => Math.floor((i % T) / 13));
  for (const positions of [undefined, positionsFromDocIds(docIds, B, T)]) {
    const x = randn(n), dout = randn(n);
    const expected = new Float32Array(n), actual = new Float32Array(n);
    rk.ropeForward(expected, x, tables, B, T, H, positions);
    nk.ropeForward(actual, x, tables, B, T, H, positions);
    near(actual, expected, 'rope forward');
    const inPlace = Float32Array.from(x);
    nk.ropeForward(inPlace, inPlace, tables, B, T, H, positions);
    assert.deepEqual(inPlace, actual, 'rope forward in place');
    const dx = [randn(n), new Float32Array(n)];
    dx[1]!.set(dx[0]!);
    rk.ropeBackward(dx[0]!, dout, tables, B, T, H, positions);
    nk.ropeBackward(dx[1]!, dout, tables, B, T, H, positions);
    near(dx[1]!, dx[0]!, 'rope backward');
  }
  assert.throws(() => nk.ropeForward(new Float32Array(16), new Float32Array(16), tables, 1, 1, 1, new Int32Array([64])),
    /ropeForward: position 64 at token 0 is outside the tables \(maxPositions 64\)/);
  const buffer = new Float32Array(16);
  assert.throws(() => nk.ropeBackward(buffer, buffer, tables, 1, 1, 1), /ropeBackward: cannot accumulate in place/);
});

test('xielu forward and backward (with the alpha gradients) match the reference, at and around eps', { skip }, () => {
  const params = { alphaP: 0.3, alphaN: -0.7 };
  const x = randn(70001, 4);
  x.set([0, -1e-6, Math.fround(-1e-6), 1e-7, -1e-7, -30, 30]);
  const dout = randn(x.length);
  const expected = new Float32Array(x.length), actual = new Float32Array(x.length);
  rk.xieluForward(expected, x, params);
  nk.xieluForward(actual, x, params);
  near(actual, expected, 'xielu forward');
  const dx = [randn(x.length), new Float32Array(x.length)];
  dx[1]!.set(dx[0]!);
  const g0 = rk.xieluBackward(dx[0]!, dout, x, params);
  const g1 = nk.xieluBackward(dx[1]!, dout, x, params);
  near(dx[1]!, dx[0]!, 'xielu dx');
  near([g1.alphaP, g1.alphaN], [g0.alphaP, g0.alphaN], 'xielu dalpha', 1e-6);
});

test('the pool gives identical results on 1 and 2 threads for split kernels', { skip }, () => {
  const n = 200_003;
  const x = randn(n), y = randn(n), b = randn(1), w = randn(64);
  const results = onThreads(() => {
    const out: Record<string, Float32Array> = {};
    out.add = new Float32Array(n);
    native.add(n, x, b, 1, out.add);
    out.mul = new Float32Array(n);
    native.mul(n, x, y, n, out.mul);
    out.gelu = new Float32Array(n);
    native.gelu(n, x, out.gelu);
    out.geluBackward = Float32Array.from(y);
    native.geluBackward(n, x, y, out.geluBackward);
    out.axpy = Float32Array.from(y);
    native.axpy(n, 0.3, x, out.axpy);
    const param = Float32Array.from(x), m = new Float32Array(n), v = new Float32Array(n);
    native.adamw(n, param, y, m, v, { lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, biasCorrection1: 0.1, biasCorrection2: 0.05 });
    out.adamw = param;
    const [M, N, K] = [300, 260, 190];
    out.sgemm = new Float32Array(M * N);
    native.sgemm(false, true, M, N, K, 1, x.subarray(0, M * K), y.subarray(0, N * K), 0, out.sgemm);
    const [B, T, H, D] = [2, 96, 4, 16];
    const q = x.subarray(0, B * T * H * D), k = y.subarray(0, B * T * H * D);
    out.attention = new Float32Array(B * T * H * D);
    const lse = new Float32Array(B * H * T);
    nk.attentionForward(out.attention, lse, q, k, q, { B, T, Hq: H, Hkv: H, D });
    const logits = x.subarray(0, 64 * 3000), targets = new Int32Array(64).map((_, i) => (i * 37) % 3000);
    const ceLse = new Float32Array(64);
    out.ce = Float32Array.of(nk.crossEntropyForward(ceLse, logits, targets, undefined, 64, 3000));
    out.ceBackward = new Float32Array(64 * 3000);
    nk.crossEntropyBackward(out.ceBackward, logits, ceLse, targets, undefined, 64, 3000);
    const rstd = new Float32Array(n / 64 | 0);
    out.rmsnorm = new Float32Array(rstd.length * 64);
    nk.rmsnormForward(out.rmsnorm, rstd, x.subarray(0, rstd.length * 64), w, rstd.length, 64);
    return out;
  });
  for (const name of Object.keys(results[0])) assert.deepEqual(results[1][name], results[0][name], name);
  // and against the reference, on the split path
  const expected = new Float32Array(300 * 260);
  reference.sgemm(false, true, 300, 260, 190, 1, x.subarray(0, 300 * 190), y.subarray(0, 260 * 190), 0, expected);
  near(results[1].sgemm!, expected, 'split sgemm');
});

test('OPENBLAS_CORETYPE: respected when set; else SkylakeX with AVX-512, Haswell with AVX2+FMA', () => {
  const saved = process.env.OPENBLAS_CORETYPE;
  try {
    process.env.OPENBLAS_CORETYPE = 'Haswell';
    assert.equal(chooseBlasCore('flags\t\t: fpu avx2 fma avx512f avx512bw avx512dq avx512vl\n'), 'Haswell');
    if (process.platform === 'linux') {
      delete process.env.OPENBLAS_CORETYPE;
      assert.equal(chooseBlasCore('flags\t\t: fpu avx2 fma avx512f avx512bw avx512dq avx512vl\n'), 'SkylakeX');
      delete process.env.OPENBLAS_CORETYPE;
      assert.equal(chooseBlasCore('flags\t\t: fpu avx2 fma avx512f\n'), 'Haswell');
      delete process.env.OPENBLAS_CORETYPE;
      assert.equal(chooseBlasCore('flags\t\t: fpu sse2\n'), undefined);
    }
  } finally {
    if (saved === undefined) delete process.env.OPENBLAS_CORETYPE;
    else process.env.OPENBLAS_CORETYPE = saved;
  }
});
