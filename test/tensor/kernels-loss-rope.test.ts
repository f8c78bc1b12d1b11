import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crossEntropyBackward, crossEntropyForward } from '../../src/tensor/kernels/cross-entropy.js';
import {
  positionsFromDocIds, ropeBackward, ropeForward, ropeInverseFrequencies, ropeTables,
} from '../../src/tensor/kernels/rope.js';
import { assertClose, dot, numericGradient, seededFloats } from './kernels-gradcheck.js';

const N = 7, V = 11;
const targets = new Int32Array([3, 0, 10, -1, 5, 5, 2]); // row 3 ignored by target < 0
const mask = new Uint8Array([1, 0, 1, 1, 1, 0, 1]);

test('cross-entropy equals the masked mean of -log softmax', () => {
  const logits = seededFloats(N * V, 31, 4);
  const losses = new Float64Array(N);
  const loss = crossEntropyForward(new Float64Array(N), logits, targets, mask, N, V, losses);
  let expected = 0;
  const kept = [0, 2, 4, 6];
  for (const i of kept) {
    const row = logits.subarray(i * V, (i + 1) * V);
    const lse = Math.log(row.reduce((a, x) => a + Math.exp(x), 0));
    expected += lse - row[targets[i]];
  }
  assert.ok(Math.abs(loss - expected / kept.length) < 1e-12);
  assert.equal(losses[1], 0);
  assert.equal(losses[3], 0);
});

test('cross-entropy: masked tokens change nothing', () => {
  const logits = seededFloats(N * V, 32, 4);
  const lse = new Float64Array(N);
  const before = crossEntropyForward(lse, logits, targets, mask, N, V);
  const grad = new Float64Array(N * V);
  crossEntropyBackward(grad, logits, lse, targets, mask, N, V);
  logits.fill(100, 1 * V, 2 * V); // rows 1, 5 (mask 0) and 3 (ignored) scrambled
  logits.fill(-50, 3 * V, 4 * V);
  logits[5 * V + 2] = 1e3;
  const lse2 = new Float64Array(N);
  assert.equal(crossEntropyForward(lse2, logits, targets, mask, N, V), before);
  const grad2 = new Float64Array(N * V);
  crossEntropyBackward(grad2, logits, lse2, targets, mask, N, V);
  assert.deepEqual(grad2, grad);
  for (const i of [1, 3, 5]) assert.ok(grad.subarray(i * V, (i + 1) * V).every((g) => g === 0));
});

test('cross-entropy backward matches finite differences, also in place with dloss', () => {
  const logits = seededFloats(N * V, 33, 3);
  const weights = new Float64Array([0.5, 0, 1, 1, 2, 0, 1]); // fractional weights too
  const loss = (): number => crossEntropyForward(new Float64Array(N), logits, targets, weights, N, V);
  const expected = numericGradient(loss, logits).map((g) => g * 2.5);
  const lse = new Float64Array(N);
  crossEntropyForward(lse, logits, targets, weights, N, V);
  const inPlace = Float64Array.from(logits);
  crossEntropyBackward(inPlace, inPlace, lse, targets, weights, N, V, 2.5);
  assertClose(inPlace, expected, 1e-6, 'dlogits');
});

test('cross-entropy with every token masked: loss 0, zero gradient, no NaN', () => {
  const logits = seededFloats(N * V, 34);
  const lse = new Float64Array(N);
  assert.equal(crossEntropyForward(lse, logits, targets, new Uint8Array(N), N, V), 0);
  const grad = new Float64Array(N * V).fill(Number.NaN);
  crossEntropyBackward(grad, logits, lse, targets, new Uint8Array(N), N, V);
  assert.ok(grad.every((g) => g === 0));
});

test('rope rotates pair (c, c + D/2) by position (rotate_half convention)', () => {
  const tables = ropeTables({ headDim: 4, maxPositions: 8 });
  const x = new Float64Array([1, 0, 0, 0, /* position 1 */ 1, 0, 0, 0]);
  const out = new Float64Array(8);
  ropeForward(out, x, tables, 1, 2, 1);
  assertClose(out.subarray(0, 4), [1, 0, 0, 0], 1e-15, 'position 0 is identity');
  // pair (0, 2) at frequency 1: rotates x0 into the second half
  assertClose(out.subarray(4, 8), [Math.cos(1), 0, Math.sin(1), 0], 1e-15, 'position 1');
});

test('rope with positions restarting per document equals rope per document', () => {
  const D = 6, H = 3, T = 13;
  const docIds = new Int32Array([0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2]);
  const tables = ropeTables({ headDim: D, maxPositions: 16, theta: 500000 });
  const x = seededFloats(T * H * D, 41);
  const packed = new Float64Array(x.length);
  ropeForward(packed, x, tables, 1, T, H, positionsFromDocIds(docIds, 1, T));
  for (const [start, length] of [[0, 4], [4, 5], [9, 4]]) {
    const doc = x.slice(start * H * D, (start + length) * H * D);
    const alone = new Float64Array(doc.length);
    ropeForward(alone, doc, tables, 1, length, H);
    assertClose(packed.subarray(start * H * D, (start + length) * H * D), alone, 1e-15, `document at ${start}`);
  }
});

test('rope backward matches finite differences (B=2, odd T, position ids)', () => {
  const B = 2, T = 5, H = 3, D = 8;
  const tables = ropeTables({ headDim: D, maxPositions: 9, theta: 500000,
    scaling: { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 16 } });
  const positions = new Int32Array([0, 1, 2, 0, 1, 3, 4, 5, 6, 7]);
  const x = seededFloats(B * T * H * D, 42);
  const dout = seededFloats(x.length, 43);
  const loss = (): number => {
    const out = new Float64Array(x.length);
    ropeForward(out, x, tables, B, T, H, positions);
    return dot(out, dout);
  };
  const dx = new Float64Array(x.length);
  ropeBackward(dx, dout, tables, B, T, H, positions);
  assertClose(dx, numericGradient(loss, x), 1e-6, 'dx');
});

test('llama3 scaling: short waves kept, long waves divided by factor, medium blended', () => {
  const scaling = { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 };
  const plain = ropeInverseFrequencies(128, 500000);
  const scaled = ropeInverseFrequencies(128, 500000, scaling);
  assert.equal(scaled[0], plain[0]);
  assert.ok(Math.abs(scaled[63] - plain[63] / 8) < 1e-20);
  for (let c = 0; c < 64; c++) assert.ok(scaled[c] <= plain[c] && scaled[c] >= plain[c] / 8);
  for (let c = 1; c < 64; c++) assert.ok(scaled[c] < scaled[c - 1], 'monotone');
});
