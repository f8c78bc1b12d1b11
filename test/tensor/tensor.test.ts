import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AdamW, add, backward, linear, mean, mul, noGrad, pool, relu, step, sub, Tensor,
} from '../../src/tensor/index.js';
import { rng } from '../helpers/gradcheck.js';

test('step() returns every op buffer to the pool; the next step of the same shapes allocates nothing', () => {
  const x = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
  const w = Tensor.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [2, 3], { requiresGrad: true });
  const once = () => step(() => {
    const loss = mean(relu(linear(x, w)));
    backward(loss);
    return loss.item();
  });
  const first = once();
  const allocated = pool.stats.allocated;
  for (let i = 0; i < 3; i++) assert.equal(once(), first);
  assert.equal(pool.stats.allocated, allocated, 'later steps reuse the pooled buffers');
  assert.ok(pool.stats.reused > 0);
});

test('a tensor made inside step() cannot be read after it ends', () => {
  const kept = step(() => add(Tensor.from([1], [1]), Tensor.from([2], [1])));
  assert.equal(kept.released, true);
  assert.throws(() => kept.data, /was released at the end of its step\(\)/);
});

test('parameters and their gradients survive step()', () => {
  const w = Tensor.from([1, 2], [2], { requiresGrad: true });
  step(() => backward(mean(mul(w, w))));
  assert.deepEqual(w.toArray(), [1, 2]);
  assert.deepEqual(Array.from(w.grad!), [1, 2]);
  w.zeroGrad();
  assert.deepEqual(Array.from(w.grad!), [0, 0]);
});

// Three separable blobs around angles 0, 120 and 240 degrees.
function blobs(perClass: number, seed: number): { x: Tensor; labels: number[]; onehot: Tensor } {
  const next = rng(seed);
  const points: number[] = [], labels: number[] = [], onehot: number[] = [];
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < perClass; i++) {
      const angle = (2 * Math.PI * c) / 3;
      points.push(2 * Math.cos(angle) + 0.6 * (next() - 0.5), 2 * Math.sin(angle) + 0.6 * (next() - 0.5));
      labels.push(c);
      onehot.push(...[0, 1, 2].map((k) => (k === c ? 1 : 0)));
    }
  }
  return { x: Tensor.from(points, [3 * perClass, 2]), labels, onehot: Tensor.from(onehot, [3 * perClass, 3]) };
}

function param(shape: number[], scale: number, next: () => number): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return Tensor.from(Array.from({ length: size }, () => scale * (2 * next() - 1)), shape, { requiresGrad: true });
}

test('an MLP classifier trains end to end in float32 (forward, backward, AdamW, pooled steps)', () => {
  const { x, labels, onehot } = blobs(30, 7);
  const next = rng(3);
  const [w1, b1, w2, b2] = [param([16, 2], 0.7, next), param([16], 0.1, next), param([3, 16], 0.25, next), param([3], 0.1, next)];
  const params = [w1, b1, w2, b2];
  const forward = () => linear(relu(linear(x, w1, b1)), w2, b2);
  const optimizer = new AdamW(params, { lr: 0.05, weightDecay: 0 });
  const losses: number[] = [];
  for (let i = 0; i < 60; i++) {
    losses.push(step(() => {
      optimizer.zeroGrad();
      const diff = sub(forward(), onehot);
      const loss = mean(mul(diff, diff)); // squared error to the one-hot label
      backward(loss);
      optimizer.step();
      return loss.item();
    }));
  }
  const accuracy = step(() => noGrad(() => {
    const logits = forward().data;
    let correct = 0;
    labels.forEach((label, n) => {
      const row = Array.from(logits.subarray(3 * n, 3 * n + 3));
      if (row.indexOf(Math.max(...row)) === label) correct++;
    });
    return correct / labels.length;
  }));
  assert.ok(losses[losses.length - 1] < losses[0] / 4, `loss ${losses[0]} -> ${losses[losses.length - 1]}`);
  assert.ok(accuracy >= 0.95, `accuracy ${accuracy}`);
});
