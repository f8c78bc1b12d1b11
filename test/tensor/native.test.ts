// The native kernels (native/*.c) against the TypeScript reference on random float32 inputs, their
// argument checks, and the backend selection with and without the addon.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { getBackend, loadNative, nativeBackend, nativeProblem, reference } from '../../src/tensor/index.js';
import type { AdEMAMixStep, Backend } from '../../src/tensor/index.js';
import type { AttentionShape } from '../../src/tensor/kernels/attention.js';
import { seeded } from '../helpers/random.js';

const addon = loadNative();
const skip = addon ? false : `native addon not built (${nativeProblem()}); run \`node scripts/build-native.js\``;
if (skip) process.stderr.write(`skipping the native kernel tests: ${skip}\n`);
const native: Backend = addon ? nativeBackend(addon) : reference;
const random = seeded(42);
const TENSOR_DIST = fileURLToPath(new URL('../../src/tensor/', import.meta.url));

/** n uniform values in [-1, 1), inside a larger buffer so the kernel sees a view with a byte offset. */
function randn(n: number, offset = 3): Float32Array {
  const buffer = new Float32Array(n + offset + 2);
  for (let i = 0; i < buffer.length; i++) buffer[i] = 2 * random() - 1;
  return buffer.subarray(offset, offset + n);
}

/** Max |actual - expected| over max |expected|: relative error in the infinity norm. */
function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0, scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / Math.max(scale, 1e-30);
}

function near(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = 1e-5): void {
  assert.equal(actual.length, expected.length, what);
  const error = relativeError(actual, expected);
  assert.ok(error < tol, `${what}: relative error ${error}`);
}

// [M, N, K]: size 1 everywhere, odd sizes, and one larger than OpenBLAS's blocking.
const GEMM_SHAPES = [[1, 1, 1], [1, 7, 3], [5, 1, 9], [3, 4, 1], [17, 13, 11], [64, 33, 129], [130, 70, 257]];
const SCALARS = [[1, 0], [0.5, 1], [-2, 0.25]];

test('sgemm: all transposes, alpha/beta, odd shapes and views match the reference', { skip }, () => {
  for (const [M, N, K] of GEMM_SHAPES) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        for (const [alpha, beta] of SCALARS) {
          const A = randn(M * K), B = randn(K * N), C = randn(M * N);
          const expected = Float32Array.from(C), actual = Float32Array.from(C);
          reference.sgemm(transA, transB, M, N, K, alpha, A, B, beta, expected);
          native.sgemm(transA, transB, M, N, K, alpha, A, B, beta, actual);
          near(actual, expected, `sgemm ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'} M=${M} N=${N} K=${K} alpha=${alpha} beta=${beta}`);
        }
      }
    }
  }
});

test('sgemm: beta 0 ignores NaN in C, and K = 0 only scales C', { skip }, () => {
  const C = new Float32Array([NaN, NaN]);
  native.sgemm(false, false, 1, 2, 1, 1, new Float32Array([2]), new Float32Array([3, 4]), 0, C);
  assert.deepEqual([...C], [6, 8]);
  const D = new Float32Array([1, 2]);
  native.sgemm(false, false, 1, 2, 0, 1, new Float32Array(0), new Float32Array(0), 3, D);
  assert.deepEqual([...D], [3, 6]);
});

// [n, bn]: same shapes, a broadcast scalar, a broadcast trailing vector; n = 1 and odd n.
const BROADCASTS = [[1, 1], [7, 7], [7, 1], [4097, 4097], [4095, 15], [3 * 384, 384]];

test('add, sub, mul, mulBackward and sumToTrailing match the reference with broadcasting', { skip }, () => {
  for (const [n, bn] of BROADCASTS) {
    const a = randn(n), b = randn(bn), dy = randn(n);
    for (const kernel of ['add', 'sub', 'mul'] as const) {
      const expected = new Float32Array(n), actual = new Float32Array(n);
      reference[kernel](n, a, b, bn, expected);
      native[kernel](n, a, b, bn, actual);
      near(actual, expected, `${kernel} n=${n} bn=${bn}`);
    }
    const [da0, db0] = [randn(n), randn(bn)];
    const [daRef, dbRef, daNat, dbNat] = [Float32Array.from(da0), Float32Array.from(db0), Float32Array.from(da0), Float32Array.from(db0)];
    reference.mulBackward(n, a, b, bn, dy, daRef, dbRef);
    native.mulBackward(n, a, b, bn, dy, daNat, dbNat);
    near(daNat, daRef, `mulBackward da n=${n}`);
    near(dbNat, dbRef, `mulBackward db n=${n} bn=${bn}`);
    const onlyDb = Float32Array.from(db0);
    native.mulBackward(n, a, b, bn, dy, null, onlyDb);
    near(onlyDb, dbRef, 'mulBackward with da = null');
    const [outRef, outNat] = [Float32Array.from(db0), Float32Array.from(db0)];
    reference.sumToTrailing(n, bn, -0.5, a, outRef);
    native.sumToTrailing(n, bn, -0.5, a, outNat);
    near(outNat, outRef, `sumToTrailing n=${n} bn=${bn}`);
  }
});

test('scale, axpy, relu, gelu and their backwards match the reference', { skip }, () => {
  for (const n of [1, 2, 7, 1023, 4097]) {
    const x = randn(n), dy = randn(n), start = randn(n);
    const pairs: [string, (k: Backend, out: Float32Array) => void][] = [
      ['scale', (k, out) => k.scale(n, 1.7, x, out)],
      ['axpy', (k, out) => k.axpy(n, -0.3, x, out)],
      ['relu', (k, out) => k.relu(n, x, out)],
      ['reluBackward', (k, out) => k.reluBackward(n, x, dy, out)],
      ['gelu', (k, out) => k.gelu(n, x, out)],
      ['geluBackward', (k, out) => k.geluBackward(n, x, dy, out)],
    ];
    for (const [name, run] of pairs) {
      const [expected, actual] = [Float32Array.from(start), Float32Array.from(start)];
      run(reference, expected);
      run(native, actual);
      near(actual, expected, `${name} n=${n}`);
    }
    const inPlace = Float32Array.from(x);
    native.scale(n, 2, inPlace, inPlace);
    near(inPlace, Float32Array.from(x, (v) => 2 * v), 'scale in place');
  }
});

test('embedding forward and backward match the reference, repeated ids accumulate', { skip }, () => {
  for (const [N, C, V] of [[1, 1, 1], [5, 3, 2], [64, 384, 100], [33, 17, 7]]) {
    const table = randn(V * C), dOut = randn(N * C);
    const ids = Int32Array.from({ length: N }, () => Math.floor(random() * V));
    const [expected, actual] = [new Float32Array(N * C), new Float32Array(N * C)];
    reference.embedding(N, C, V, table, ids, expected);
    native.embedding(N, C, V, table, ids, actual);
    assert.deepEqual(actual, expected, `embedding N=${N} C=${C} V=${V}`);
    const start = randn(V * C);
    const [dRef, dNat] = [Float32Array.from(start), Float32Array.from(start)];
    reference.embeddingBackward(N, C, dOut, ids, dRef);
    native.embeddingBackward(N, C, dOut, ids, dNat);
    near(dNat, dRef, `embeddingBackward N=${N} C=${C} V=${V}`);
  }
});

test('sum and sumSquares accumulate in double like the reference', { skip }, () => {
  for (const n of [1, 7, 100_003]) {
    const x = randn(n);
    assert.equal(native.sum(n, x), reference.sum(n, x));
    assert.equal(native.sumSquares(n, x), reference.sumSquares(n, x));
  }
  // A float32 accumulator would stop growing at 2^24; double keeps counting.
  const ones = new Float32Array(20_000_000).fill(1);
  assert.equal(native.sum(ones.length, ones), 20_000_000);
});

test('adamw and ademamix steps are identical to the reference over several steps', { skip }, () => {
  for (const n of [1, 7, 4099]) {
    const step: AdEMAMixStep = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, biasCorrection1: 0, biasCorrection2: 0, beta3: 0.9999, alpha: 8 };
    const param = randn(n);
    const ref = { p: Float32Array.from(param), m: new Float32Array(n), m2: new Float32Array(n), v: new Float32Array(n) };
    const nat = { p: Float32Array.from(param), m: new Float32Array(n), m2: new Float32Array(n), v: new Float32Array(n) };
    const [refMix, natMix] = [structuredClone(ref), structuredClone(nat)];
    for (let t = 1; t <= 5; t++) {
      const grad = randn(n);
      Object.assign(step, { biasCorrection1: 1 - 0.9 ** t, biasCorrection2: 1 - 0.999 ** t });
      reference.adamw(n, ref.p, grad, ref.m, ref.v, step);
      native.adamw(n, nat.p, grad, nat.m, nat.v, step);
      reference.ademamix(n, refMix.p, grad, refMix.m, refMix.m2, refMix.v, step);
      native.ademamix(n, natMix.p, grad, natMix.m, natMix.m2, natMix.v, step);
    }
    for (const key of ['p', 'm', 'v'] as const) near(nat[key], ref[key], `adamw ${key} n=${n}`, 1e-6);
    for (const key of ['p', 'm', 'm2', 'v'] as const) near(natMix[key], refMix[key], `ademamix ${key} n=${n}`, 1e-6);
  }
});

test('the addon rejects bad arguments with clear errors instead of crashing', { skip }, () => {
  const f = new Float32Array(4);
  const a = addon!;
  assert.throws(() => a.sgemm(false, false, 2, 2, 3, 1, f, f, 0, f), /sgemm: A has 4 elements, but the sizes given need 6/);
  assert.throws(() => a.sgemm(false, false, 2, 2, 2, 1, new Float64Array(4), f, 0, f), /sgemm: A must be a Float32Array, got Float64Array/);
  assert.throws(() => a.sgemm(0 as unknown as boolean, false, 2, 2, 2, 1, f, f, 0, f), /sgemm: transA must be a boolean/);
  assert.throws(() => a.add(4, f, f, 3, f), /add: bn \(3\) must divide n \(4\)/);
  assert.throws(() => a.scale(-1, 1, f, f), /scale: n must be a non-negative integer/);
  assert.throws(() => a.relu(1.5, f, f), /relu: n must be a non-negative integer/);
  assert.throws(() => (a.relu as (...args: unknown[]) => void)(4, f), /relu: expected 3 arguments, got 2/);
  assert.throws(() => a.mulBackward(4, f, f, 4, f, [] as unknown as Float32Array, null), /mulBackward: da must be a Float32Array or null, got an object/);
  assert.throws(() => a.embedding(1, 2, 2, f, new Int32Array([2]), f), /embedding: id 2 at position 0 is outside the vocabulary \[0, 2\)/);
  assert.throws(() => a.embedding(1, 2, 2, f, new Float32Array([0]) as unknown as Int32Array, f), /ids must be a Int32Array/);
  assert.throws(() => a.embeddingBackward(1, 2, f, new Int32Array([-1]), f), /embeddingBackward: id -1/);
  const step = { lr: 1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0, biasCorrection1: 0.1 } as unknown as AdEMAMixStep;
  assert.throws(() => a.adamw(4, f, f, f, f, step), /adamw: step.biasCorrection2 must be a number, got undefined/);
  assert.throws(() => a.ademamix(4, f, f, f, f, f, { ...step, biasCorrection2: 0.01 }), /ademamix: step.beta3 must be a number/);
  assert.throws(() => a.setThreads(0), /setThreads: n must be at least 1/);
});

test('the native backend is active in this process, with every transformer kernel native', { skip: skip || process.env.APERTUS_BACKEND === 'reference' }, () => {
  assert.equal(getBackend().name, 'native');
  const transformer = getBackend().transformer!;
  for (const [name, kernel] of Object.entries(reference.transformer!)) {
    assert.notEqual(transformer[name as keyof typeof transformer], kernel, name);
  }
  assert.match(addon!.blasInfo().config, /OpenBLAS/);
});

/** Runs `program` (an ES module) in a child Node with `env`, from `cwd`; returns stdout and stderr. */
function node(program: string, env: Record<string, string>, cwd: string): { stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', program], { cwd, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { stdout: run.stdout, stderr: run.stderr };
}

test('APERTUS_BACKEND=reference forces the reference backend, silently', () => {
  const run = node(`import { getBackend } from './index.js'; console.log(getBackend().name);`, { APERTUS_BACKEND: 'reference' }, TENSOR_DIST);
  assert.equal(run.stdout.trim(), 'reference');
  assert.equal(run.stderr, '');
});

test('without the addon the engine warns once and uses the reference; APERTUS_BACKEND=native fails', () => {
  // A copy of the compiled engine where no build/ folder is within reach.
  const root = mkdtempSync(join(tmpdir(), 'apertus-native-'));
  try {
    const copy = join(root, 'a', 'b', 'tensor');
    cpSync(TENSOR_DIST, copy, { recursive: true });
    const program = `import { getBackend, selectBackend } from './index.js'; selectBackend(); console.log(getBackend().name);`;
    const fallback = node(program, { APERTUS_BACKEND: '' }, copy);
    assert.equal(fallback.stdout.trim(), 'reference');
    const warnings = fallback.stderr.match(/apertus-ts: native kernels not built \(.*\); using the TypeScript reference kernels/g);
    assert.equal(warnings?.length, 1, fallback.stderr);
    const forced = node(program, { APERTUS_BACKEND: 'native' }, copy);
    assert.match(forced.stderr, /APERTUS_BACKEND=native, but the native kernels are not available/);
    const wrong = node(program, { APERTUS_BACKEND: 'cuda' }, copy);
    assert.match(wrong.stderr, /APERTUS_BACKEND must be "native" or "reference", got "cuda"/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

const docs13 = new Int32Array([0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2]);
const ATTENTION_CASES: { name: string; shape: AttentionShape; docIds?: Int32Array; blockSize?: number }[] = [
  { name: 'GQA 4/2, causal, blocks of 4 over T=13', shape: { B: 1, T: 13, Hq: 4, Hkv: 2, D: 3 }, blockSize: 4 },
  { name: 'GQA 4/2, 3 documents in 13 tokens, B=2, blocks of 3', shape: { B: 2, T: 13, Hq: 4, Hkv: 2, D: 5 },
    docIds: new Int32Array([...docs13, ...new Int32Array(13).fill(7)]), blockSize: 3 },
  { name: 'one block larger than T', shape: { B: 1, T: 7, Hq: 2, Hkv: 1, D: 4 }, docIds: docs13.subarray(3, 10), blockSize: 64 },
  { name: 'T = 1', shape: { B: 2, T: 1, Hq: 4, Hkv: 2, D: 3 }, blockSize: 2 },
  { name: 'default blocks, documents, D=64', shape: { B: 2, T: 150, Hq: 6, Hkv: 2, D: 64 },
    docIds: Int32Array.from({ length: 300 }, (_, i) => (i < 150 ? Math.floor(i / 40) : Math.floor(i / 100))) },
];

test('attention forward (out, lse) and backward (dq, dk, dv) match the reference', { skip }, () => {
  for (const c of ATTENTION_CASES) {
    const { B, T, Hq, Hkv, D } = c.shape;
    const options = { docIds: c.docIds, blockSize: c.blockSize };
    const nq = B * T * Hq * D, nk = B * T * Hkv * D;
    const q = randn(nq), k = randn(nk), v = randn(nk), dout = randn(nq);
    // gradients accumulate: both backends start from the same nonzero values
    const dq0 = randn(nq), dk0 = randn(nk), dv0 = randn(nk);
    const run = (kernels: Backend): Float32Array[] => {
      const t = kernels.transformer!;
      const out = new Float32Array(nq), lse = new Float32Array(B * Hq * T);
      t.attentionForward!(out, lse, q, k, v, c.shape, options);
      const [dq, dk, dv] = [dq0, dk0, dv0].map((x) => Float32Array.from(x));
      t.attentionBackward!(dq, dk, dv, dout, q, k, v, out, lse, c.shape, options);
      return [out, lse, dq, dk, dv];
    };
    const expected = run(reference), actual = run(native);
    for (const [i, what] of ['out', 'lse', 'dq', 'dk', 'dv'].entries()) near(actual[i], expected[i], `${c.name}: ${what}`, 1e-4);
  }
  // without options: one document, default blocks
  const shape = { B: 1, T: 5, Hq: 2, Hkv: 2, D: 4 };
  const q = randn(40), k = randn(40), v = randn(40);
  const [o1, l1, o2, l2] = [new Float32Array(40), new Float32Array(10), new Float32Array(40), new Float32Array(10)];
  reference.transformer!.attentionForward!(o1, l1, q, k, v, shape);
  native.transformer!.attentionForward!(o2, l2, q, k, v, shape);
  near(o2, o1, 'attention without options: out', 1e-4);
  near(l2, l1, 'attention without options: lse', 1e-4);
});

test('the native attention rejects bad arguments with clear errors', { skip }, () => {
  const a = addon!;
  const shape = { B: 1, T: 2, Hq: 2, Hkv: 1, D: 2 };
  const [q, kv, lse] = [new Float32Array(8), new Float32Array(4), new Float32Array(4)];
  assert.throws(() => a.attentionForward(q, lse, q, kv, kv, { ...shape, Hkv: 3 }, {}), /attentionForward: Hq=2 query heads must be a multiple of Hkv=3/);
  assert.throws(() => a.attentionForward(q, lse, q, kv, kv, { ...shape, D: 0 }, {}), /attentionForward: D must be a positive integer, got 0/);
  assert.throws(() => a.attentionForward(q, lse, q, kv, kv, { ...shape, T: 1.5 }, {}), /attentionForward: T must be a positive integer/);
  assert.throws(() => a.attentionForward(q, lse, q, new Float32Array(3), kv, shape, {}), /attentionForward: k has 3 elements, but the sizes given need 4/);
  assert.throws(() => a.attentionForward(q, lse, new Float64Array(8) as unknown as Float32Array, kv, kv, shape, {}), /attentionForward: q must be a Float32Array, got Float64Array/);
  assert.throws(() => a.attentionForward(q, lse, q, kv, kv, shape, { docIds: new Int32Array(1) }), /attentionForward: docIds has 1 elements, but the sizes given need 2/);
  assert.throws(() => a.attentionForward(q, lse, q, kv, kv, shape, { blockSize: 0 }), /attentionForward: blockSize must be a positive integer, got 0/);
  assert.throws(() => a.attentionForward(q, lse, q, kv, kv, null as unknown as AttentionShape, {}), /attentionForward: shape must be an object/);
  assert.throws(() => a.attentionBackward(q, kv, kv, q, q, kv, kv, q, new Float32Array(3), shape, {}), /attentionBackward: lse has 3 elements, but the sizes given need 4/);
  assert.throws(() => a.attentionBackward(q, new Float32Array(2), kv, q, q, kv, kv, q, lse, shape, {}), /attentionBackward: dk has 2 elements/);
});

/** logits [N, V] in [-scale, scale), a view with a byte offset. */
function logitsOf(N: number, V: number, scale: number): Float32Array {
  const x = randn(N * V);
  for (let i = 0; i < x.length; i++) x[i] *= scale;
  return x;
}

const CE_CASES: { name: string; N: number; V: number; scale: number; mask?: 'u8' | 'f32'; ignore?: boolean }[] = [
  { name: 'N=1 V=1', N: 1, V: 1, scale: 1 },
  { name: 'odd V', N: 5, V: 13, scale: 3 },
  { name: 'large V, large logits', N: 7, V: 5003, scale: 20 },
  { name: 'Uint8 mask', N: 9, V: 257, scale: 4, mask: 'u8' },
  { name: 'Float32 weights', N: 9, V: 100, scale: 4, mask: 'f32' },
  { name: 'ignored targets and mask', N: 11, V: 64, scale: 2, mask: 'u8', ignore: true },
];

test('cross-entropy forward (loss, lse, losses) and backward (dlogits, also in place) match the reference', { skip }, () => {
  for (const c of CE_CASES) {
    const { N, V } = c;
    const logits = logitsOf(N, V, c.scale);
    const targets = Int32Array.from({ length: N }, (_, i) => (c.ignore && i % 3 === 1 ? -1 : Math.floor(random() * V)));
    const mask = c.mask === 'u8' ? Uint8Array.from({ length: N }, (_, i) => (i % 4 === 2 ? 0 : 1))
      : c.mask === 'f32' ? Float32Array.from({ length: N }, () => random()) : undefined;
    const results = [reference, native].map((backend) => {
      const t = backend.transformer!;
      const lse = new Float32Array(N), losses = new Float32Array(N).fill(7), dlogits = new Float32Array(N * V).fill(5);
      const loss = t.crossEntropyForward!(lse, logits, targets, mask, N, V, losses);
      t.crossEntropyBackward!(dlogits, logits, lse, targets, mask, N, V, 0.5);
      const inPlace = Float32Array.from(logits);
      t.crossEntropyBackward!(inPlace, inPlace, lse, targets, mask, N, V, 0.5);
      const noLosses = t.crossEntropyForward!(new Float32Array(N), logits, targets, mask, N, V);
      return { loss, lse, losses, dlogits, inPlace, noLosses };
    });
    const [expected, actual] = results;
    near([actual.loss], [expected.loss], `${c.name}: loss`);
    near([actual.noLosses], [expected.loss], `${c.name}: loss without losses`);
    near(actual.lse, expected.lse, `${c.name}: lse`);
    near(actual.losses, expected.losses, `${c.name}: losses`);
    near(actual.dlogits, expected.dlogits, `${c.name}: dlogits`);
    near(actual.inPlace, expected.dlogits, `${c.name}: dlogits in place over logits`);
    for (let i = 0; i < N; i++) {
      if (targets[i] >= 0 && (mask === undefined || mask[i] !== 0)) continue;
      assert.equal(actual.lse[i], 0, `${c.name}: lse of dropped row ${i}`);
      assert.equal(actual.losses[i], 0, `${c.name}: loss of dropped row ${i}`);
      assert.ok(actual.dlogits.subarray(i * V, (i + 1) * V).every((x) => x === 0), `${c.name}: dlogits of dropped row ${i}`);
    }
  }
});

test('cross-entropy with every token dropped: loss 0 and zero gradients', { skip }, () => {
  const N = 4, V = 6, logits = logitsOf(N, V, 1);
  const t = native.transformer!;
  for (const [targets, mask] of [[new Int32Array(N).fill(-1), undefined], [new Int32Array(N).fill(2), new Uint8Array(N)]] as const) {
    const lse = new Float32Array(N).fill(3), dlogits = new Float32Array(N * V).fill(1);
    assert.equal(t.crossEntropyForward!(lse, logits, targets, mask, N, V), 0);
    assert.deepEqual([...lse], [0, 0, 0, 0]);
    t.crossEntropyBackward!(dlogits, logits, lse, targets, mask, N, V);
    assert.ok(dlogits.every((x) => x === 0));
  }
});

test('a Float64Array mask goes to the reference cross-entropy', { skip }, () => {
  const N = 3, V = 5, logits = logitsOf(N, V, 2), targets = new Int32Array([0, 4, 2]), mask = new Float64Array([1, 0.5, 0]);
  const l1 = new Float32Array(N), l2 = new Float32Array(N);
  const expected = reference.transformer!.crossEntropyForward!(l1, logits, targets, mask, N, V);
  assert.equal(native.transformer!.crossEntropyForward!(l2, logits, targets, mask, N, V), expected);
});

test('the native cross-entropy rejects bad arguments with clear errors', { skip }, () => {
  const a = addon!;
  const logits = new Float32Array(6), lse = new Float32Array(2), targets = new Int32Array([0, 1]);
  assert.throws(() => a.crossEntropyForward(lse, logits, new Int32Array([0, 3]), undefined, 2, 3, undefined), /crossEntropyForward: target 3 at row 1 is outside the vocabulary of 3/);
  assert.throws(() => a.crossEntropyBackward(logits, logits, lse, new Int32Array([5, 0]), undefined, 2, 3, 1), /crossEntropyBackward: target 5 at row 0 is outside the vocabulary of 3/);
  assert.throws(() => a.crossEntropyForward(lse, new Float32Array(5), targets, undefined, 2, 3, undefined), /crossEntropyForward: logits has 5 elements, but the sizes given need 6/);
  assert.throws(() => a.crossEntropyForward(lse, logits, new Int32Array(1), undefined, 2, 3, undefined), /crossEntropyForward: targets has 1 elements/);
  assert.throws(() => a.crossEntropyForward(lse, logits, targets, new Uint8Array(1), 2, 3, undefined), /crossEntropyForward: mask has 1 elements/);
  assert.throws(() => a.crossEntropyForward(lse, logits, targets, new Int8Array(2) as unknown as Uint8Array, 2, 3, undefined), /crossEntropyForward: mask must be a Uint8Array, a Float32Array or undefined/);
  assert.throws(() => a.crossEntropyForward(new Float32Array(1), logits, targets, undefined, 2, 3, undefined), /crossEntropyForward: lse has 1 elements/);
  assert.throws(() => a.crossEntropyForward(lse, logits, targets, undefined, 2, 3, new Float32Array(1)), /crossEntropyForward: losses has 1 elements/);
  assert.throws(() => a.crossEntropyForward(lse, logits, targets, undefined, 2, 1.5, undefined), /crossEntropyForward: V must be a non-negative integer/);
  assert.throws(() => a.crossEntropyBackward(new Float32Array(5), logits, lse, targets, undefined, 2, 3, 1), /crossEntropyBackward: dlogits has 5 elements/);
  assert.throws(() => a.crossEntropyBackward(logits, logits, lse, targets, undefined, 2, 3, 'x' as unknown as number), /crossEntropyBackward: dloss must be a number/);
});
