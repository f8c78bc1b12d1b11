import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AdamW, AdEMAMix, ademamixAlpha, ademamixBeta3, clipGradNorm, Tensor } from '../../src/tensor/index.js';
import { seeded } from '../helpers/random.js';

// Gradients with a constant magnitude per element, so sqrt(v / (1 - b2^t)) = |g| exactly and every
// expected value below is a short hand computation (written out in the comments).
const GRADS = [[0.1, -0.2, 0.3], [0.1, -0.2, 0.3], [-0.1, 0.2, 0.3]];

function run(optimizer: AdamW | AdEMAMix, param: Tensor, steps: number): number[][] {
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    param.grad = Float64Array.from(GRADS[t]);
    optimizer.step();
    out.push(param.toArray());
  }
  return out;
}

function close(actual: number[], expected: number[], tol = 1e-9): void {
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < tol, `element ${i}: ${v} vs ${expected[i]}`));
}

test('AdamW: three steps on a 3-element parameter, by hand', () => {
  const p = Tensor.from([1, -2, 0.5], [3], { dtype: 'float64' });
  const [s1, s2, s3] = run(new AdamW([p], { lr: 0.1, weightDecay: 0.1 }), p, 3);
  // Steps 1-2: m/bc1 = g and sqrt(v/bc2) = |g|, so the update is sign(g) (eps moves it by 1e-7):
  // p1 = p - 0.1 (sign(g) + 0.1 p)
  close(s1, [0.89, -1.88, 0.395], 1e-7);
  close(s2, [0.7811, -1.7612, 0.29105], 1e-7);
  // Step 3, element 0: m2 = 0.19 * 0.1 = 0.019, m3 = 0.9 * 0.019 - 0.01 = 0.0071, bc1 = 0.271;
  // update = (0.0071 / 0.271) / 0.1 = 0.2619926199..; p3 = 0.7811 - 0.1 (0.26199262 + 0.07811)
  // Element 1 is the mirror image (-0.0142 / 0.271 / 0.2); element 2 keeps sign(g) = 1.
  close(s3, [0.7811 - 0.1 * (0.0071 / 0.271 / 0.1 + 0.07811), -1.7612 - 0.1 * (-0.0142 / 0.271 / 0.2 - 0.17612), 0.1881395], 1e-7);
  assert.ok(Math.abs(s3[0] - 0.7470897380074) < 1e-7);
});

test('AdEMAMix: three steps with alpha 8 and beta3 0.9999, by hand', () => {
  const p = Tensor.from([1, -2, 0.5], [3], { dtype: 'float64' });
  const opt = new AdEMAMix([p], { lr: 0.1, weightDecay: 0, alpha: 8, beta3: 0.9999 });
  const [s1, s2, s3] = run(opt, p, 3);
  // Step 1: m1/bc1 = g, m2 = 1e-4 g, sqrt(v/bc2) = |g|: update = sign(g) (1 + 8e-4)
  close(s1, [0.89992, -1.89992, 0.39992], 1e-7);
  // Step 2: m2 = (0.9999e-4 + 1e-4) g = 1.9999e-4 g: update = sign(g) (1 + 8 * 1.9999e-4)
  close(s2, [0.799760008, -1.799760008, 0.299760008], 1e-7);
  // Step 3, element 0: m1/bc1 = 0.0071 / 0.271; m2 = 0.1 (0.9999 * 1.9999e-4 - 1e-4) = 9.9970001e-6
  const update0 = (0.0071 / 0.271 + 8 * 9.9970001e-6) / 0.1;
  close([s3[0]], [0.799760008 - 0.1 * update0], 1e-7);
  assert.ok(Math.abs(s3[0] - 0.7734807700074) < 1e-7);
});

test('AdEMAMix with weight decay equals the R8 formula step', () => {
  const p = Tensor.from([2], [1], { dtype: 'float64' });
  p.grad = Float64Array.from([0.5]);
  new AdEMAMix([p], { lr: 0.01, weightDecay: 0.1 }).step();
  // (g + 8 * 1e-4 g) / (|g| + 1e-8) + 0.1 * 2
  assert.ok(Math.abs(p.data[0] - (2 - 0.01 * (1.0008 * 0.5 / (0.5 + 1e-8) + 0.2))) < 1e-12);
});

test('AdEMAMix warm-ups: alpha linear, beta3 linear in half-life from beta1', () => {
  assert.equal(ademamixAlpha(0, 8, 100), 0);
  assert.equal(ademamixAlpha(25, 8, 100), 2);
  assert.equal(ademamixAlpha(500, 8, 100), 8);
  assert.equal(ademamixAlpha(1, 8, 0), 8);
  assert.ok(Math.abs(ademamixBeta3(0, 0.9, 0.9999, 100) - 0.9) < 1e-12);
  assert.ok(Math.abs(ademamixBeta3(100, 0.9, 0.9999, 100) - 0.9999) < 1e-12);
  assert.equal(ademamixBeta3(1000, 0.9, 0.9999, 100), 0.9999);
  const halfLife = (beta: number) => Math.log(0.5) / Math.log(beta);
  const mid = halfLife(ademamixBeta3(50, 0.9, 0.9999, 100));
  assert.ok(Math.abs(mid - (halfLife(0.9) + halfLife(0.9999)) / 2) < 1e-6);
});

test('optimizers skip parameters without a gradient', () => {
  const p = Tensor.from([1, 2], [2]);
  new AdamW([p], { lr: 1 }).step();
  assert.deepEqual(p.toArray(), [1, 2]);
});

test('clipGradNorm scales all gradients to the global norm and returns the norm before', () => {
  const a = Tensor.from([0, 0], [2], { dtype: 'float64' }), b = Tensor.from([0], [1], { dtype: 'float64' });
  a.grad = Float64Array.from([3, 4]);
  b.grad = Float64Array.from([12]);
  assert.equal(clipGradNorm([a, b], 1.3), 13);
  const f = 1.3 / (13 + 1e-6);
  close([...a.grad, ...b.grad], [3 * f, 4 * f, 12 * f], 1e-15);
  assert.equal(clipGradNorm([a, b], 100), Math.sqrt(a.grad[0] ** 2 + a.grad[1] ** 2 + b.grad[0] ** 2));
  close([...a.grad], [3 * f, 4 * f], 1e-15);
});

test('noDecay parameters take no weight decay; the others do', () => {
  for (const make of [(ps: Tensor[], noDecay: Set<Tensor>) => new AdamW(ps, { lr: 0.1, weightDecay: 0.5, noDecay }),
    (ps: Tensor[], noDecay: Set<Tensor>) => new AdEMAMix(ps, { lr: 0.1, weightDecay: 0.5, noDecay })]) {
    const decayed = Tensor.from([2], [1], { requiresGrad: true }), kept = Tensor.from([2], [1], { requiresGrad: true });
    const optimizer = make([decayed, kept], new Set([kept]));
    decayed.grad = new Float32Array([0]);
    kept.grad = new Float32Array([0]);
    optimizer.step();
    assert.ok(Math.abs(decayed.data[0]! - 2 * (1 - 0.1 * 0.5)) < 1e-6, `decayed ${decayed.data[0]}`);
    assert.equal(kept.data[0], 2);
  }
});

test('an optimizer restored from stateDict() continues exactly like the original', () => {
  const random = seeded(3);
  const grads = Array.from({ length: 6 }, () => Float32Array.from({ length: 5 }, () => random() - 0.5));
  const run = (restoreAt: number | null): Float32Array => {
    const p = Tensor.from([0.1, -0.2, 0.3, 0.4, -0.5], [5], { requiresGrad: true });
    let optimizer = new AdEMAMix([p], { lr: 0.01, alphaWarmup: 4, beta3Warmup: 4 });
    for (let t = 0; t < grads.length; t++) {
      if (t === restoreAt) {
        const saved = optimizer.stateDict();
        const copy = { stepCount: saved.stepCount, moments: saved.moments.map((m) => m && m.map((b) => b.slice())) };
        optimizer = new AdEMAMix([p], { lr: 0.01, alphaWarmup: 4, beta3Warmup: 4 });
        optimizer.loadStateDict(copy);
      }
      p.grad = Float32Array.from(grads[t]!);
      optimizer.step();
    }
    return p.data as Float32Array;
  };
  assert.deepEqual(run(3), run(null));
  const other = new AdamW([Tensor.zeros([2])], { lr: 1 });
  assert.throws(() => other.loadStateDict({ stepCount: 1, moments: [[new Float32Array(3), new Float32Array(3)]] }), /parameter 0 has 2 moments of 3 elements, expected 2 of 2/);
});
