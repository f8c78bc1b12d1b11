/**
 * CoBo (R10: Hashemi et al. 2024, "CoBo: Collaborative Learning via Bilevel Optimization").
 *
 *   outer: min_x sum_i f_i(x_i) + rho/2 sum_{i<j} w_ij ||x_i - x_j||^2
 *   inner: w_ij in argmax_{w in D} w <grad f_i(z_ij), grad f_j(z_ij)>,  z_ij = (x_i + x_j)/2
 *
 * A round: every active client computes g_i(x_i); every pair of active clients is sampled with
 * probability p_t and, if sampled, both compute their gradient at z_ij; then
 *   w_ij <- Proj_D(w_ij + gamma <g_i(z_ij), g_j(z_ij)>)            (W first, as in the paper)
 *   x_i  <- x_i - lr (g_i(x_i) + rho sum_k w_ik (x_i - x_k))        (momentum optional)
 * D is the box [0,1] (symmetric W, start all ones) or the simplex per row (LLM setting, start
 * uniform). With p = 1/n a client spends 1 + 2(n-1)/n ~ 3 gradients per round on average.
 *
 * Stability: the consensus step is a contraction only while lr rho sum_k w_ik <= 1; beyond
 * that (e.g. many clients early, when W is still all ones) the pull is capped so that x_i moves at
 * most onto the w-weighted mean of the others. With W = 1 and the cap, round one is FedAvg.
 */
import { getBackend } from '../../tensor/index.js';
import { uniform } from '../random.js';
import { dot, midpoint, type Vector } from '../vector.js';
import type { WorkResult } from '../work.js';
import type { Assignment, Strategy, StrategySetup } from './strategy.js';

export type CoboDomain = 'box' | 'simplex';
export type PairSchedule = 'constant' | 'decaying' | 'mixed';

export interface CoboOptions {
  lr: number;
  rho: number;
  gamma: number;
  domain: CoboDomain;
  /** momentum beta on the x update (0: plain SGD) */
  momentum: number;
  sampling: PairSampling;
}

export interface PairSampling {
  schedule: PairSchedule;
  /** pair probability; default 1/n */
  p?: number;
  /** 'mixed': constant before this round, decaying after */
  switchRound: number;
  /** decay time scale tau: p_t = p / (1 + t / tau) */
  decayRounds: number;
}

/** Probability that a given pair is sampled in round t. */
export function pairProbability(s: PairSampling, n: number, round: number): number {
  const p = s.p ?? 1 / n;
  switch (s.schedule) {
    case 'constant':
      return p;
    case 'decaying':
      return p / (1 + round / s.decayRounds);
    case 'mixed':
      return round < s.switchRound ? p : p / (1 + (round - s.switchRound) / s.decayRounds);
  }
}

/** Projection onto [0, 1]. */
export function projectBox(w: number): number {
  return Math.min(1, Math.max(0, w));
}

/** Euclidean projection of v onto the probability simplex {w >= 0, sum w = 1} (sort-based). */
export function projectSimplex(v: readonly number[]): number[] {
  const u = [...v].sort((a, b) => b - a);
  let cumulative = 0, theta = 0;
  for (let k = 0; k < u.length; k++) {
    cumulative += u[k];
    const t = (cumulative - 1) / (k + 1);
    if (u[k] - t > 0) theta = t;
  }
  return v.map((x) => Math.max(0, x - theta));
}

export class Cobo implements Strategy {
  readonly name = 'cobo' as const;
  private n = 0;
  private dim = 0;
  /** all models in one [n, dim] matrix, so sum_k w_ik x_k is one sgemm */
  private X = new Float32Array(0);
  private M: Float32Array | null = null;
  /** W [n, n], row-major; the diagonal is unused */
  private W = new Float64Array(0);
  private next: () => number = Math.random;

  constructor(private readonly options: CoboOptions) {}

  setup(s: StrategySetup): void {
    this.n = s.clients;
    this.dim = s.init.length;
    this.X = new Float32Array(this.n * this.dim);
    for (let i = 0; i < this.n; i++) this.X.set(s.init, i * this.dim);
    if (this.options.momentum > 0) this.M = new Float32Array(this.n * this.dim);
    const start = this.options.domain === 'box' ? 1 : 1 / Math.max(1, this.n - 1);
    this.W = new Float64Array(this.n * this.n).fill(start);
    for (let i = 0; i < this.n; i++) this.W[i * this.n + i] = 0;
    this.next = uniform(s.seed ^ 0x5bd1e995);
  }

  select(round: number, active: readonly number[]): Assignment[] {
    const out: Assignment[] = active.map((i) => ({ client: i, role: 'x', request: { kind: 'grad' as const, model: this.model(i), seed: 0 } }));
    const p = pairProbability(this.options.sampling, active.length, round);
    for (let a = 0; a < active.length; a++) {
      for (let b = a + 1; b < active.length; b++) {
        if (this.next() >= p) continue;
        const i = active[a], j = active[b];
        const z = midpoint(this.model(i), this.model(j));
        out.push({ client: i, peer: j, role: 'pair', request: { kind: 'grad', model: z, seed: 0 } });
        out.push({ client: j, peer: i, role: 'pair', request: { kind: 'grad', model: z, seed: 0 } });
      }
    }
    return out;
  }

  aggregate(_round: number, assignments: readonly Assignment[], results: readonly (WorkResult | null)[]): void {
    this.updateWeights(assignments, results);
    this.updateModels(assignments, results);
  }

  model(i: number): Vector {
    return this.X.subarray(i * this.dim, (i + 1) * this.dim);
  }

  collaboration(): number[][] {
    return Array.from({ length: this.n }, (_, i) => Array.from(this.W.subarray(i * this.n, (i + 1) * this.n)));
  }

  private updateWeights(assignments: readonly Assignment[], results: readonly (WorkResult | null)[]): void {
    const n = this.n;
    const pending = new Map<number, Vector>();
    const touchedRows = new Set<number>();
    assignments.forEach((a, k) => {
      const g = results[k]?.grad;
      if (a.role !== 'pair' || !g) return;
      const key = Math.min(a.client, a.peer!) * n + Math.max(a.client, a.peer!);
      const other = pending.get(key);
      if (!other) {
        pending.set(key, g);
        return;
      }
      const i = Math.floor(key / n), j = key % n;
      const step = this.options.gamma * dot(g, other);
      if (this.options.domain === 'box') {
        this.W[i * n + j] = this.W[j * n + i] = projectBox(this.W[i * n + j] + step);
      } else {
        this.W[i * n + j] += step;
        this.W[j * n + i] += step;
        touchedRows.add(i).add(j);
      }
    });
    for (const i of touchedRows) {
      const others = [...Array(n).keys()].filter((k) => k !== i);
      const projected = projectSimplex(others.map((k) => this.W[i * n + k]));
      others.forEach((k, m) => (this.W[i * n + k] = projected[m]));
    }
  }

  private updateModels(assignments: readonly Assignment[], results: readonly (WorkResult | null)[]): void {
    const { n, dim } = this;
    const grads = new Map<number, Vector>();
    assignments.forEach((a, k) => {
      const g = results[k]?.grad;
      if (a.role === 'x' && g) grads.set(a.client, g);
    });
    if (grads.size === 0) return;
    // Weights among clients that took part this round (the others' models are stale).
    const Wa = new Float32Array(n * n);
    for (const i of grads.keys()) for (const k of grads.keys()) if (i !== k) Wa[i * n + k] = this.W[i * n + k];
    // pull [n, dim] = Wa X: sum_k w_ik x_k for every i at once
    const pull = new Float32Array(n * dim);
    getBackend().sgemm(false, false, n, dim, n, 1, Wa, this.X, 0, pull);
    const { lr, rho, momentum } = this.options;
    const X = new Float32Array(this.X);
    for (const [i, g] of grads) {
      let rowSum = 0;
      for (let k = 0; k < n; k++) rowSum += Wa[i * n + k];
      const c = lr * rho * rowSum > 1 ? 1 / (lr * rowSum) : rho; // the stability cap
      const o = i * dim;
      for (let d = 0; d < dim; d++) {
        let step = g[d] + c * (rowSum * this.X[o + d] - pull[o + d]);
        if (this.M) step = this.M[o + d] = momentum * this.M[o + d] + step;
        X[o + d] = this.X[o + d] - lr * step;
      }
    }
    this.X = X;
  }
}
