import assert from 'node:assert/strict';
import { test } from 'node:test';
import { add, embedding, gelu, mean, mul, noGrad, relu, reshape, Tensor } from '../../src/tensor/index.js';

test('gelu is the GPT-2 tanh approximation', () => {
  const y = noGrad(() => gelu(Tensor.from([-3, -1, 0, 1, 3], [5], { dtype: 'float64' })));
  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), evaluated by hand for these x
  const expected = [-0.0036373920817729943, -0.15880800939172324, 0, 0.8411919906082768, 2.9963626079182272];
  y.data.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-12, `${i}: ${v}`));
});

test('relu, broadcasting and mean give the plain values', () => {
  const x = Tensor.from([-1, 2, -3, 4, 5, -6], [2, 3]);
  const b = Tensor.from([10, 20, 30], [3]);
  assert.deepEqual(noGrad(() => relu(x)).toArray(), [0, 2, 0, 4, 5, 0]);
  assert.deepEqual(noGrad(() => add(x, b)).toArray(), [9, 22, 27, 14, 25, 24]);
  assert.deepEqual(noGrad(() => mul(x, b)).toArray(), [-10, 40, -90, 40, 100, -180]);
  assert.equal(noGrad(() => mean(x)).item(), Math.fround(1 / 6)); // stored in float32
});

test('shape errors are clear', () => {
  const x = Tensor.zeros([2, 3]);
  assert.throws(() => add(x, Tensor.zeros([2])), /add: \[2,3\] and \[2\]: the second shape must equal the first or its trailing dimensions/);
  assert.throws(() => add(x, Tensor.zeros([2, 3], { dtype: 'float64' })), /mixes float32 and float64/);
  assert.throws(() => reshape(x, [4, -1]), /cannot view \[2,3\] \(6 elements\) as \[4,-1\]/);
  assert.throws(() => reshape(x, [-1, -1]), /more than one -1/);
  assert.throws(() => new Tensor(new Float32Array(5), [2, 3]), /shape \[2,3\] needs 6 elements, the buffer has 5/);
  assert.throws(() => Tensor.zeros([2, 1.5]), /dimension 1.5 is not a non-negative integer/);
  assert.throws(() => mean(Tensor.zeros([0, 3])), /is empty/);
  assert.throws(() => x.item(), /has 6 elements, not 1/);
});

test('embedding looks up rows and rejects ids outside the vocabulary', () => {
  const table = Tensor.from([0, 1, 10, 11, 20, 21], [3, 2]);
  const out = noGrad(() => embedding(table, Int32Array.from([2, 0, 2, 1]), [2, 2]));
  assert.deepEqual(out.shape, [2, 2, 2]);
  assert.deepEqual(out.toArray(), [20, 21, 0, 1, 20, 21, 10, 11]);
  assert.throws(() => embedding(table, Int32Array.from([3])), /id 3 at position 0 is outside the vocabulary \[0, 3\)/);
  assert.throws(() => embedding(table, Int32Array.from([0, 1]), [3]), /needs 3 ids, got 2/);
});

test('reshape is a view: it shares data and infers -1', () => {
  const x = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
  const v = noGrad(() => reshape(x, [3, -1]));
  assert.deepEqual(v.shape, [3, 2]);
  assert.equal(v.data, x.data);
  assert.deepEqual(noGrad(() => reshape(x, [-1])).shape, [6]);
});
