import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AdamW, attention, backward, crossEntropy, embedding, linear, noGrad, pool, reshape, rmsnorm, rope, ropeTables,
  positionsFromDocIds, step, Tensor, xielu, xieluInit, add,
} from '../../src/tensor/index.js';
import { gradcheck, randomTensor, rng } from '../helpers/gradcheck.js';

const TOLERANCE = 1e-6;

function scalar(value: number, requiresGrad = true): Tensor {
  const t = Tensor.from([value], [1], { dtype: 'float64' });
  t.requiresGrad = requiresGrad;
  return t;
}

test('rmsnorm: gradients of x and weight match finite differences', () => {
  const x = randomTensor([3, 5, 7], 1);
  const w = randomTensor([7], 2);
  const error = gradcheck(([a, b]) => rmsnorm(a, b), [x, w]);
  assert.ok(error < TOLERANCE, `relative error ${error}`);
});

test('rope: gradient matches finite differences, default and document positions', () => {
  const tables = ropeTables({ headDim: 6, maxPositions: 16, theta: 100 });
  const x = randomTensor([2, 5, 3, 6], 3);
  const e1 = gradcheck(([a]) => rope(a, tables), [x]);
  assert.ok(e1 < TOLERANCE, `relative error ${e1}`);
  const positions = positionsFromDocIds(Int32Array.from([0, 0, 1, 1, 1, 4, 4, 4, 5, 5]), 2, 5);
  const e2 = gradcheck(([a]) => rope(a, tables, positions), [x]);
  assert.ok(e2 < TOLERANCE, `relative error ${e2}`);
  assert.throws(() => rope(randomTensor([2, 5, 3, 4], 4), tables), /must be \[B, T, H, D\] with D = 6/);
});

test('attention: gradients of q, k, v match finite differences (GQA 4/2, two documents, small blocks)', () => {
  const B = 2, T = 7, Hq = 4, Hkv = 2, D = 3;
  const q = randomTensor([B, T, Hq, D], 5);
  const k = randomTensor([B, T, Hkv, D], 6);
  const v = randomTensor([B, T, Hkv, D], 7);
  const docIds = Int32Array.from([0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3]);
  for (const blockSize of [3, 64]) {
    const error = gradcheck(([a, b, c]) => attention(a, b, c, { docIds, blockSize }), [q, k, v]);
    assert.ok(error < TOLERANCE, `blockSize ${blockSize}: relative error ${error}`);
  }
  // the first token of the second document sees only itself: its output is its own value row
  const out = noGrad(() => attention(q, k, v, { docIds }));
  for (let h = 0; h < Hq; h++) {
    for (let d = 0; d < D; d++) {
      const o = out.data[((0 * T + 3) * Hq + h) * D + d];
      const expected = v.data[((0 * T + 3) * Hkv + Math.floor(h / 2)) * D + d];
      assert.ok(Math.abs(o - expected) < 1e-12);
    }
  }
  assert.throws(() => attention(q, randomTensor([B, T, 3, D], 8), randomTensor([B, T, 3, D], 9)), /multiple of Hkv=3/);
});

test('crossEntropy: gradient matches finite differences, with mask and ignored targets', () => {
  const logits = randomTensor([5, 7], 10);
  const targets = Int32Array.from([3, 0, -1, 6, 2]);
  const mask = Float64Array.from([1, 0.5, 1, 0, 2]);
  const e1 = gradcheck(([a]) => crossEntropy(a, targets), [logits]);
  assert.ok(e1 < TOLERANCE, `relative error ${e1}`);
  const e2 = gradcheck(([a]) => crossEntropy(a, targets, mask), [logits]);
  assert.ok(e2 < TOLERANCE, `relative error ${e2}`);
  // logits read by two losses: the second backward must add, not overwrite
  const e3 = gradcheck(([a]) => add(crossEntropy(a, targets), crossEntropy(a, targets, mask)), [logits]);
  assert.ok(e3 < TOLERANCE, `relative error ${e3}`);
  // uniform logits: loss ln V
  const flat = noGrad(() => crossEntropy(Tensor.zeros([2, 7], { dtype: 'float64' }), Int32Array.from([1, 4])));
  assert.ok(Math.abs(flat.item() - Math.log(7)) < 1e-12);
});

test('xielu: gradients of x, alpha_p and alpha_n match finite differences', () => {
  const init = xieluInit();
  const x = randomTensor([3, 11], 11);
  for (let i = 0; i < x.size; i++) x.data[i] *= 3; // both branches, well away from the kink
  const error = gradcheck(([a, p, n]) => xielu(a, p, n), [x, scalar(init.alphaP), scalar(init.alphaN + 0.3)]);
  assert.ok(error < TOLERANCE, `relative error ${error}`);
});

test('a one-layer causal transformer block learns a repeated sequence (loss halves in 30 AdamW steps)', () => {
  const V = 8, C = 16, Hq = 4, Hkv = 2, D = 4, F = 32, B = 2, T = 12;
  const next = rng(42);
  const param = (shape: number[], std: number) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return Tensor.from(Array.from({ length: size }, () => (2 * next() - 1) * std * Math.sqrt(3)), shape, { requiresGrad: true });
  };
  const ones = (n: number) => Tensor.from(new Array(n).fill(1), [n], { requiresGrad: true });
  const init = xieluInit();
  const p = {
    embed: param([V, C], 1),
    norm1: ones(C), wq: param([Hq * D, C], 1 / Math.sqrt(C)), wk: param([Hkv * D, C], 1 / Math.sqrt(C)),
    wv: param([Hkv * D, C], 1 / Math.sqrt(C)), wo: param([C, Hq * D], 1 / Math.sqrt(Hq * D)),
    norm2: ones(C), up: param([F, C], 1 / Math.sqrt(C)), down: param([C, F], 1 / Math.sqrt(F)),
    alphaP: Tensor.from([init.alphaP], [1], { requiresGrad: true }),
    alphaN: Tensor.from([init.alphaN], [1], { requiresGrad: true }),
    normF: ones(C), head: param([V, C], 1 / Math.sqrt(C)),
  };
  const params = Object.values(p);
  const tables = ropeTables({ headDim: D, maxPositions: T, theta: 10000 });

  // a short pattern repeated; row b starts at offset b, so the model must learn the transitions
  const pattern = [3, 1, 4, 1, 5, 2, 6, 5, 3, 5, 7, 0];
  const ids = new Int32Array(B * T), targets = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      ids[b * T + t] = pattern[(b + t) % pattern.length];
      targets[b * T + t] = pattern[(b + t + 1) % pattern.length];
    }
  }
  const docIds = new Int32Array(B * T); // one document per row (each row its own batch entry)

  const forward = (): Tensor => {
    const x = embedding(p.embed, ids, [B, T]);
    const h = rmsnorm(x, p.norm1);
    const q = rope(reshape(linear(h, p.wq), [B, T, Hq, D]), tables);
    const k = rope(reshape(linear(h, p.wk), [B, T, Hkv, D]), tables);
    const v = reshape(linear(h, p.wv), [B, T, Hkv, D]);
    const a = reshape(attention(q, k, v, { docIds, blockSize: 5 }), [B, T, Hq * D]);
    const x1 = add(x, linear(a, p.wo));
    const m = linear(xielu(linear(rmsnorm(x1, p.norm2), p.up), p.alphaP, p.alphaN), p.down);
    const x2 = add(x1, m);
    const logits = linear(reshape(rmsnorm(x2, p.normF), [B * T, C]), p.head);
    return crossEntropy(logits, targets);
  };

  const optimizer = new AdamW(params, { lr: 1e-2, weightDecay: 0 });
  const losses: number[] = [];
  for (let i = 0; i < 30; i++) {
    losses.push(step(() => {
      optimizer.zeroGrad();
      const loss = forward();
      backward(loss);
      optimizer.step();
      return loss.item();
    }));
  }
  const first = losses[0], last = losses[losses.length - 1];
  assert.ok(Number.isFinite(last), `losses ${losses.join(', ')}`);
  assert.ok(last < first / 2, `loss ${first} -> ${last}: did not halve (${losses.map((l) => l.toFixed(3)).join(' ')})`);
  // every parameter, the xIELU scalars included, received a gradient
  for (const [name, t] of Object.entries(p)) assert.ok(t.grad !== null && t.grad.some((g) => g !== 0), `${name} has no gradient`);
  // fixed shapes: after the first step, later steps allocate nothing new
  const before = pool.stats.allocated;
  step(() => {
    optimizer.zeroGrad();
    backward(forward());
  });
  assert.equal(pool.stats.allocated, before);
});
