import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  clusterRecoveryAuc, createStrategy, GroupAverage, pairProbability, projectBox, projectSimplex, rocAuc, weightedMeanForTest,
} from './helpers.js';
import type { WorkResult } from '../../src/collab/index.js';

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

test('ROC AUC on a hand example, and cluster recovery of a perfect and a useless W', () => {
  assert.equal(rocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true]), 0.75);
  assert.equal(rocAuc([1, 1], [true, false]), 0.5);
  const clusters = [0, 0, 1, 1];
  const truth = clusters.map((a) => clusters.map((b) => (a === b ? 1 : 0)));
  assert.equal(clusterRecoveryAuc(truth, clusters), 1);
  assert.equal(clusterRecoveryAuc(clusters.map(() => [1, 1, 1, 1]), clusters), 0.5);
});
