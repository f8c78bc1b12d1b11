import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clusterRecoveryAuc, createStrategy, GroupAverage, pairProbability, projectBox, projectSimplex, rocAuc, weightedMeanForTest,
} from './helpers.js';
import { createTemplate, type ClientData, type WorkResult } from '../../src/collab/index.js';
import { uniform as mulberry } from '../../src/util/random.js';

test('FedAvg: the new global model is the sample-weighted average of the trained models', () => {
  const s = new GroupAverage('fedavg', { lr: 0.1, localSteps: 1 });
  s.setup({ clients: 3, init: new Float32Array([0, 0]), initFrom: () => new Float32Array(2), clusters: [0, 0, 1], rounds: 1, seed: 0 });
  const plan = s.select(0, [0, 1, 2]);
  const results: WorkResult[] = [
    { model: new Float32Array([1, 2]), loss: 0, samples: 1, gradEvals: 1, lossEvals: 0 },
    { model: new Float32Array([3, 4]), loss: 0, samples: 1, gradEvals: 1, lossEvals: 0 },
    { model: new Float32Array([5, 9]), loss: 0, samples: 2, gradEvals: 1, lossEvals: 0 },
  ];
  s.aggregate(0, plan, results);
  assert.deepEqual([...s.model(0)], [3.5, 6]);
  assert.deepEqual([...weightedMeanForTest([new Float32Array([1]), new Float32Array([3])])], [2]);
});

test('Oracle averages inside the true clusters only', () => {
  const s = createStrategy('oracle', { training: { lr: 0.1, localSteps: 1 } } as never);
  s.setup({ clients: 3, init: new Float32Array([0]), initFrom: () => new Float32Array(1), clusters: [0, 0, 1], rounds: 1, seed: 0 });
  const plan = s.select(0, [0, 1, 2]);
  s.aggregate(0, plan, [1, 3, 10].map((v) => ({ model: new Float32Array([v]), loss: 0, samples: 1, gradEvals: 1, lossEvals: 0 })));
  assert.deepEqual([s.model(0)[0], s.model(1)[0], s.model(2)[0]], [2, 2, 10]);
});

test('projections onto the box and the simplex', () => {
  assert.equal(projectBox(1.7), 1);
  assert.equal(projectBox(-0.2), 0);
  assert.equal(projectBox(0.3), 0.3);
  assert.deepEqual(projectSimplex([0.5, 0.5]), [0.5, 0.5]);
  assert.deepEqual(projectSimplex([2, 0]), [1, 0]);
  const p = projectSimplex([0.4, 0.3, -0.5]);
  assert.ok(Math.abs(p[0] - 0.55) < 1e-12 && Math.abs(p[1] - 0.45) < 1e-12 && p[2] === 0);
  const q = projectSimplex([3, 1, 2, -1]);
  assert.ok(Math.abs(q.reduce((a, b) => a + b, 0) - 1) < 1e-12 && q.every((v) => v >= 0));
});

test('pair sampling schedules and the measured pair rate', () => {
  const s = { schedule: 'constant' as const, switchRound: 10, decayRounds: 10 };
  assert.equal(pairProbability(s, 8, 0), 1 / 8);
  assert.equal(pairProbability({ ...s, schedule: 'decaying' }, 8, 10), 1 / 16);
  assert.equal(pairProbability({ ...s, schedule: 'mixed' }, 8, 9), 1 / 8);
  assert.equal(pairProbability({ ...s, schedule: 'mixed' }, 8, 20), 1 / 16);
  // CoBo samples each pair with p = 1/n: about n(n-1)/2 / n pairs per round.
  const cobo = createStrategy('cobo', {
    training: { lr: 0.1, localSteps: 1 },
    cobo: { rho: 0.1, gamma: 1, domain: 'box', momentum: 0, sampling: s },
  } as never);
  const n = 10;
  cobo.setup({ clients: n, init: new Float32Array(1), initFrom: () => new Float32Array(1), clusters: new Array(n).fill(0), rounds: 1, seed: 3 });
  let pairs = 0;
  const rounds = 2000;
  for (let t = 0; t < rounds; t++) pairs += cobo.select(t, [...Array(n).keys()]).filter((a) => a.role === 'pair').length / 2;
  const rate = pairs / rounds / ((n * (n - 1)) / 2);
  assert.ok(Math.abs(rate - 1 / n) < 0.01, `pair rate ${rate}`);
});

test("the authors' pair schedule: 2/n, then 1/sqrt(t) once that is smaller", () => {
  const s = { schedule: 'sqrt' as const, switchRound: 5, decayRounds: 1 };
  assert.equal(pairProbability(s, 8, 0), 2 / 8);
  assert.equal(pairProbability(s, 8, 4), 2 / 8);
  assert.equal(pairProbability(s, 8, 10), 2 / 8); // 1/sqrt(11) > 1/4: capped
  assert.equal(pairProbability(s, 8, 99), 1 / 10);
  assert.equal(pairProbability(s, 80, 99), 2 / 80);
  assert.equal(pairProbability({ ...s, p: 0.5 }, 8, 3), 0.5);
});

/** One CoBo round on hand-made results: pair gradients and x gradients given directly. */
function coboRound(options: Record<string, unknown>, n: number, init: number[], pairs: [number, number, number[], number[]][], grads: number[][]) {
  const cobo = createStrategy('cobo', { training: { lr: 0.1, localSteps: 1 }, cobo: { rho: 1, gamma: 1, domain: 'box', momentum: 0, sampling: { schedule: 'constant', p: 1, switchRound: 0, decayRounds: 1 }, ...options } } as never);
  cobo.setup({ clients: n, init: new Float32Array(init), initFrom: () => new Float32Array(init.length), clusters: new Array(n).fill(0), rounds: 1, seed: 0 });
  const step = (round: number) => {
    const plan = [
      ...grads.map((_, i) => ({ client: i, role: 'x', request: { kind: 'grad' as const, model: cobo.model(i), seed: 0 } })),
      ...pairs.flatMap(([i, j]) => [{ client: i, peer: j, role: 'pair', request: { kind: 'grad' as const, model: cobo.model(i), seed: 0 } },
        { client: j, peer: i, role: 'pair', request: { kind: 'grad' as const, model: cobo.model(j), seed: 0 } }]),
    ];
    const results: WorkResult[] = [
      ...grads.map((g) => ({ grad: new Float32Array(g), loss: 0, samples: 1, gradEvals: 1, lossEvals: 0 })),
      ...pairs.flatMap(([, , gi, gj]) => [gi, gj].map((g) => ({ grad: new Float32Array(g), loss: 0, samples: 1, gradEvals: 1, lossEvals: 0 }))),
    ];
    cobo.aggregate(round, plan, results);
  };
  return { cobo, step };
}

test('CoBo box W: w_ij += gamma <g_i(z), g_j(z)>, clamped to [0, 1]; unsampled pairs keep theirs', () => {
  const { cobo, step } = coboRound({ gamma: 0.25 }, 3, [0], [[0, 1, [1, 2], [-1, -1]]], [[0], [0], [0]]);
  step(0);
  const W = cobo.collaboration!();
  assert.equal(W[0][1], 0.25); // 1 + 0.25 * (-3)
  assert.equal(W[1][0], 0.25);
  assert.equal(W[0][2], 1);
  assert.equal(W[1][2], 1);
});

test('CoBo simplex W: the whole row, self-trust included, is projected', () => {
  // start (1 - I)/(n - 1): row 0 = [0, 1/2, 1/2]; both peers look harmful by the same amount
  const { cobo, step } = coboRound({ domain: 'simplex', gamma: 0.1 }, 3, [0], [[0, 1, [1], [-1]], [0, 2, [1], [-1]]], [[0], [0], [0]]);
  step(0);
  const row = cobo.collaboration!()[0];
  // [0, 0.4, 0.4] + tau = 1/15 each -> the client now trusts itself 1/15, and is pulled less
  assert.ok(Math.abs(row[0] - 1 / 15) < 1e-12 && Math.abs(row[1] - 7 / 15) < 1e-12 && Math.abs(row[2] - 7 / 15) < 1e-12, `${row}`);
});

test('CoBo x step: lr times the gradient average plus lr rho sum_k w_ik (x_i - x_k), the pull outside the momentum', () => {
  const { cobo, step } = coboRound({ rho: 0.5, momentum: 0.5 }, 2, [0], [], [[2], [-2]]);
  step(0); // m = g (first step): x0 = 0 - 0.1 * 2 = -0.2, x1 = 0.2 (the models were equal: no pull)
  assert.ok(Math.abs(cobo.model(0)[0] + 0.2) < 1e-7 && Math.abs(cobo.model(1)[0] - 0.2) < 1e-7);
  step(1); // m0 = 0.5 * 2 + 0.5 * 2 = 2; pull 0.1 * 0.5 * (-0.2 - 0.2) = -0.02: x0 = -0.2 - 0.2 + 0.02
  assert.ok(Math.abs(cobo.model(0)[0] + 0.38) < 1e-6, `${cobo.model(0)[0]}`);
});

test('ROC AUC on a hand example, and cluster recovery of a perfect and a useless W', () => {
  assert.equal(rocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true]), 0.75);
  assert.equal(rocAuc([1, 1], [true, false]), 0.5);
  const clusters = [0, 0, 1, 1];
  const truth = clusters.map((a) => clusters.map((b) => (a === b ? 1 : 0)));
  assert.equal(clusterRecoveryAuc(truth, clusters), 1);
  assert.equal(clusterRecoveryAuc(clusters.map(() => [1, 1, 1, 1]), clusters), 0.5);
});

test('MLP minibatches are drawn without replacement: a client holding no more than a batch always computes on all its examples', () => {
  const spec = { kind: 'mlp' as const, inputs: 6, hidden: 4, classes: 3, batch: 8 };
  const template = createTemplate(spec);
  const next = mulberry(3);
  const x = Float32Array.from({ length: 7 * 6 }, () => next() * 2 - 1);
  const y = Int32Array.from({ length: 7 }, (_, i) => i % 3);
  const data: ClientData = { kind: 'classification', train: { x, y, features: 6 }, test: { x, y, features: 6 } };
  const params = template.init(1);
  const grads = [11, 12, 13].map((seed) => {
    const g = new Float32Array(template.dim);
    const loss = template.gradient(params, data, g, mulberry(seed));
    return { g, loss };
  });
  for (const { g, loss } of grads.slice(1)) {
    assert.ok(Math.abs(loss - grads[0]!.loss) < 1e-5);
    g.forEach((v, i) => assert.ok(Math.abs(v - grads[0]!.g[i]!) < 1e-5, `parameter ${i}`));
  }
  // a batch smaller than the data: distinct rows, so two draws of 7 of 7 agree and 4 of 7 differ
  const small = createTemplate({ ...spec, batch: 4 });
  const a = new Float32Array(small.dim), b = new Float32Array(small.dim);
  small.gradient(params, data, a, mulberry(11));
  small.gradient(params, data, b, mulberry(12));
  assert.notDeepEqual(a, b);
});
