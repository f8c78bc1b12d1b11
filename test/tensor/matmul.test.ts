import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gemm } from '../../src/tensor/kernels/matmul.js';
import { linear, matmul, noGrad, Tensor } from '../../src/tensor/index.js';
import { gradcheck, randomTensor, rng } from '../helpers/gradcheck.js';

// The obvious triple loop over op(A)[i,k] op(B)[k,j]: the ground truth for the blocked kernel.
function naive(transA: boolean, transB: boolean, M: number, N: number, K: number, A: ArrayLike<number>, B: ArrayLike<number>): number[] {
  const C: number[] = [];
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (transA ? A[k * M + i] : A[i * K + k]) * (transB ? B[j * K + k] : B[k * N + j]);
      C.push(s);
    }
  }
  return C;
}

function randomArray(n: number, seed: number): Float64Array {
  const next = rng(seed);
  return Float64Array.from({ length: n }, () => 2 * next() - 1);
}

test('gemm matches the triple loop for every transpose, odd sizes and sizes past one tile', () => {
  const sizes: [number, number, number][] = [[1, 1, 1], [1, 7, 3], [5, 1, 9], [3, 4, 1], [70, 67, 65], [2, 130, 3]];
  for (const [M, N, K] of sizes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const A = randomArray(M * K, M + N), B = randomArray(K * N, K + 7);
        const C0 = randomArray(M * N, 3);
        const C = Float64Array.from(C0);
        gemm(transA, transB, M, N, K, 0.5, A, B, 2, C);
        const expected = naive(transA, transB, M, N, K, A, B);
        for (let i = 0; i < M * N; i++) {
          assert.ok(Math.abs(C[i] - (0.5 * expected[i] + 2 * C0[i])) < 1e-12, `M=${M} N=${N} K=${K} tA=${transA} tB=${transB} at ${i}`);
        }
      }
    }
  }
});

test('gemm in float32 agrees with float64 to float32 precision', () => {
  const [M, N, K] = [33, 17, 129];
  const A = randomArray(M * K, 1), B = randomArray(K * N, 2);
  const C32 = new Float32Array(M * N);
  gemm(false, true, M, N, K, 1, Float32Array.from(A), Float32Array.from(B), 0, C32);
  const expected = naive(false, true, M, N, K, A, B);
  for (let i = 0; i < M * N; i++) assert.ok(Math.abs(C32[i] - expected[i]) < 1e-4 * (1 + Math.abs(expected[i])));
});

test('matmul shape errors say which dimensions disagree', () => {
  const a = Tensor.zeros([2, 3]), b = Tensor.zeros([4, 5]);
  assert.throws(() => matmul(a, b), { message: 'matmul: [2,3] x [4,5]: inner dimensions 3 and 4 differ' });
  assert.throws(() => matmul(a, Tensor.zeros([5, 4]), { transB: true }), /\[5,4\]\^T: inner dimensions 3 and 4 differ/);
  assert.throws(() => matmul(Tensor.zeros([2, 2, 3]), Tensor.zeros([3, 3, 4])), /batch sizes 2 and 3 differ/);
  assert.throws(() => matmul(Tensor.zeros([3]), Tensor.zeros([3, 1])), /2 or 3 dimensions/);
  assert.throws(() => linear(Tensor.zeros([2, 3]), Tensor.zeros([4, 5])), /has 3 features, weight \[4,5\] expects 5/);
});

test('batched matmul equals one matmul per batch element', () => {
  const a = randomTensor([3, 4, 5], 1, false), b = randomTensor([3, 5, 2], 2, false), w = randomTensor([5, 2], 3, false);
  const batched = noGrad(() => matmul(a, b)), shared = noGrad(() => matmul(a, w));
  assert.deepEqual(batched.shape, [3, 4, 2]);
  for (let i = 0; i < 3; i++) {
    const ai = a.data.subarray(i * 20, i * 20 + 20), bi = b.data.subarray(i * 10, i * 10 + 10);
    const e1 = naive(false, false, 4, 2, 5, ai, bi), e2 = naive(false, false, 4, 2, 5, ai, w.data);
    for (let j = 0; j < 8; j++) {
      assert.ok(Math.abs(batched.data[i * 8 + j] - e1[j]) < 1e-12);
      assert.ok(Math.abs(shared.data[i * 8 + j] - e2[j]) < 1e-12);
    }
  }
});

test('matmul gradients match finite differences for every transpose and batching', () => {
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      const [M, N, K] = [3, 5, 4];
      const a2 = randomTensor(transA ? [K, M] : [M, K], 1), b2 = randomTensor(transB ? [N, K] : [K, N], 2);
      const a3 = randomTensor(transA ? [2, K, M] : [2, M, K], 3), b3 = randomTensor(transB ? [2, N, K] : [2, K, N], 4);
      const opts = { transA, transB };
      const cases: [string, number][] = [
        ['2d', gradcheck(([a, b]) => matmul(a, b, opts), [a2, b2])],
        ['batched x shared', gradcheck(([a, b]) => matmul(a, b, opts), [a3, b2])],
        ['batched x batched', gradcheck(([a, b]) => matmul(a, b, opts), [a3, b3])],
      ];
      for (const [name, err] of cases) assert.ok(err < 1e-6, `${name} transA=${transA} transB=${transB}: ${err}`);
    }
  }
});

test('matmul gradients on size-1 dimensions', () => {
  const err = gradcheck(([a, b]) => matmul(a, b), [randomTensor([1, 1, 1], 5), randomTensor([1, 1], 6)]);
  assert.ok(err < 1e-6, `${err}`);
  const err2 = gradcheck(([a, b]) => matmul(a, b, { transA: true }), [randomTensor([7, 1], 7), randomTensor([7, 3], 8)]);
  assert.ok(err2 < 1e-6, `${err2}`);
});

test('linear gradients, with and without bias, over a [B,T,C] input', () => {
  const x = randomTensor([2, 3, 4], 1), w = randomTensor([5, 4], 2), bias = randomTensor([5], 3);
  const noBias = gradcheck(([xi, wi]) => linear(xi, wi), [x, w]);
  const withBias = gradcheck(([xi, wi, bi]) => linear(xi, wi, bi), [x, w, bias]);
  assert.ok(noBias < 1e-6 && withBias < 1e-6, `${noBias} ${withBias}`);
  assert.deepEqual(noGrad(() => linear(x, w)).shape, [2, 3, 5]);
});
