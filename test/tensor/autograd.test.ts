import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  add, backward, embedding, gelu, linear, mean, mul, noGrad, relu, reshape, scale, sub, sum, Tensor,
} from '../../src/tensor/index.js';
import { gradcheck, randomTensor } from '../helpers/gradcheck.js';

const TOL = 1e-6;

function check(name: string, f: (x: Tensor[]) => Tensor, inputs: Tensor[]): void {
  const err = gradcheck(f, inputs);
  assert.ok(err < TOL, `${name}: relative error ${err}`);
}

/** Moves values away from 0 so the relu kink is never inside a finite-difference step. */
function awayFromZero(t: Tensor): Tensor {
  for (let i = 0; i < t.size; i++) t.data[i] += t.data[i] >= 0 ? 0.1 : -0.1;
  return t;
}

test('elementwise ops: same shape and a broadcast trailing vector', () => {
  for (const [op, f] of [['add', add], ['sub', sub], ['mul', mul]] as const) {
    check(`${op} same`, ([a, b]) => f(a, b), [randomTensor([3, 4], 1), randomTensor([3, 4], 2)]);
    check(`${op} trailing`, ([a, b]) => f(a, b), [randomTensor([2, 3, 5], 3), randomTensor([5], 4)]);
    check(`${op} trailing 2d`, ([a, b]) => f(a, b), [randomTensor([2, 3, 5], 5), randomTensor([3, 5], 6)]);
    check(`${op} size 1`, ([a, b]) => f(a, b), [randomTensor([1], 7), randomTensor([1], 8)]);
  }
});

test('scale, relu, gelu', () => {
  check('scale', ([x]) => scale(x, -2.5), [randomTensor([7], 1)]);
  check('relu', ([x]) => relu(x), [awayFromZero(randomTensor([3, 5], 2))]);
  const wide = randomTensor([4, 9], 3);
  for (let i = 0; i < wide.size; i++) wide.data[i] *= 4; // cover the saturated tails of tanh
  check('gelu', ([x]) => gelu(x), [wide]);
});

test('sum, mean and reshape', () => {
  check('sum', ([x]) => sum(x), [randomTensor([2, 3], 1)]);
  check('mean', ([x]) => mean(x), [randomTensor([5, 1, 3], 2)]);
  check('reshape', ([x]) => mul(reshape(x, [3, -1]), reshape(x, [3, 2])), [randomTensor([2, 3], 3)]);
});

test('embedding accumulates the gradient of repeated ids', () => {
  const ids = Int32Array.from([2, 0, 2, 3, 2]);
  check('embedding', ([t]) => embedding(t, ids, [5]), [randomTensor([4, 3], 1)]);
  check('embedding 2d ids', ([t]) => embedding(t, ids.subarray(0, 4), [2, 2]), [randomTensor([4, 1], 2)]);
});

test('a tensor used by several ops sums their gradients (diamond graph)', () => {
  check('diamond', ([x, w]) => add(relu(linear(x, w)), gelu(linear(x, w))), [awayFromZero(randomTensor([3, 4], 1)), randomTensor([4, 4], 2)]);
});

test('a two-layer MLP with every op family passes the gradient check', () => {
  const ids = Int32Array.from([1, 3, 0, 1]);
  const params = [randomTensor([5, 6], 1), randomTensor([8, 6], 2), randomTensor([8], 3), randomTensor([3, 8], 4)];
  check('mlp', ([table, w1, b1, w2]) => mean(linear(gelu(linear(embedding(table, ids, [2, 2]), w1, b1)), w2)), params);
});

test('backward needs a one-element loss that depends on a tensor with requiresGrad', () => {
  const x = Tensor.from([1, 2], [2], { requiresGrad: true });
  assert.throws(() => backward(scale(x, 2)), /the loss must have one element, got shape \[2\]/);
  assert.throws(() => backward(sum(Tensor.from([1], [1]))), /does not depend on any tensor with requiresGrad/);
});

test('noGrad records nothing and leaves outputs without requiresGrad', () => {
  const x = Tensor.from([1, -2, 3], [3], { requiresGrad: true });
  const y = noGrad(() => sum(mul(x, x)));
  assert.equal(y.requiresGrad, false);
  assert.equal(y.item(), 14);
  const z = sum(mul(x, x));
  backward(z);
  assert.deepEqual(Array.from(x.grad!), [2, -4, 6]);
});
