import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Cobo, runStrategy, type ClientPool, type WorkResult } from '../../src/collab/index.js';
import type { Assignment } from '../../src/collab/index.js';

/**
 * Quadratic clients (R10's example 2): f_i(x) = a_i/2 ||x - mu_c||^2 with mu per cluster; exact
 * gradients a_i (x - mu_c). CoBo must find the clusters (W -> block diagonal) and each x_i its mu.
 */
class QuadraticPool implements ClientPool {
  constructor(private readonly mu: Float32Array[], private readonly clusters: number[], private readonly a: number[]) {}
  get size() {
    return this.clusters.length;
  }
  async run(_round: number, assignments: readonly Assignment[]): Promise<(WorkResult | null)[]> {
    return assignments.map(({ client, request }) => {
      const mu = this.mu[this.clusters[client]];
      const x = request.kind === 'train' ? request.model! : request.model;
      const grad = new Float32Array(x.length);
      let loss = 0;
      for (let d = 0; d < x.length; d++) {
        grad[d] = this.a[client] * (x[d] - mu[d]);
        loss += (this.a[client] / 2) * (x[d] - mu[d]) ** 2;
      }
      return { grad, loss, metric: -loss, samples: 1, gradEvals: 1, lossEvals: 0 };
    });
  }
}

test('CoBo recovers the clusters of quadratic clients and reaches each cluster optimum', async () => {
  const clusters = [0, 0, 1, 1, 2, 2];
  const mu = [new Float32Array([3, 0]), new Float32Array([-3, 1]), new Float32Array([0, -3])];
  const pool = new QuadraticPool(mu, clusters, [1, 1.5, 1, 2, 1.2, 1]);
  const cobo = new Cobo({ lr: 0.1, rho: 0.5, gamma: 0.05, domain: 'box', momentum: 0, sampling: { schedule: 'constant', p: 0.5, switchRound: 0, decayRounds: 1 } });
  cobo.setup({ clients: 6, init: new Float32Array([0.1, 0.1]), initFrom: () => new Float32Array(2), clusters, rounds: 300, seed: 1 });
  await runStrategy(cobo, pool, { rounds: 300, seed: 1, evalEvery: 300, wEvery: 300 });
  const W = cobo.collaboration();
  for (let i = 0; i < 6; i++) {
    for (let j = 0; j < 6; j++) {
      if (i === j) continue;
      assert.equal(W[i][j], clusters[i] === clusters[j] ? 1 : 0, `w[${i}][${j}] = ${W[i][j]}`);
    }
    const x = cobo.model(i), m = mu[clusters[i]];
    assert.ok(Math.hypot(x[0] - m[0], x[1] - m[1]) < 0.05, `client ${i} at ${[...x]}, optimum ${[...m]}`);
  }
});
