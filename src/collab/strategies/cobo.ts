/**
 * CoBo (R10: Hashemi et al. 2024, "CoBo: Collaborative Learning via Bilevel Optimization").
 *
 *   outer: min_x sum_i f_i(x_i) + rho/2 sum_{i<j} w_ij ||x_i - x_j||^2
 *   inner: w_ij in argmax_{w in D} w <grad f_i(z_ij), grad f_j(z_ij)>,  z_ij = (x_i + x_j)/2
 *
 * Follows the authors' code (github.com/epfml/CoBo; file references below are to that repo, and
 * to optim/cobo_optim.py + models/base_model.py of epfml/semester-project-personalization, which
 * personalized-vision-models/train.py imports but the CoBo repo does not ship):
 *
 * A round: every active client computes g_i(x_i); every pair of active clients is sampled with
 * probability p_t and, if sampled, client i computes g_i(z_ij) and client j computes g_j(z_ij),
 * each on one minibatch of its own data; then
 *   w_ij <- Proj_D(w_ij + gamma <g_i(z_ij), g_j(z_ij)>)   raw inner product, no normalisation,
 *                                                        unsampled pairs keep their w
 *                                                        (vision grouping.py grad_based_update:
 *                                                        gamma = 0.01, clamp to [0, 1])
 *   m_i  <- beta m_i + (1 - beta) g_i(x_i)                 (m_i = g_i at the first step; beta = 0:
 *                                                        plain SGD; base_model.py get_momentum,
 *                                                        beta = 0.9 there, for CoBo and Local alike)
 *   x_i  <- x_i - lr m_i - lr rho sum_k w_ik (x_i - x_k)   consensus on the models of the start of
 *                                                        the round, outside the momentum
 *                                                        (cobo_optim.py general_fw_update)
 * D is the box [0,1] (symmetric W, start all ones: grouping.py __init__) or, for language models,
 * the simplex per row (start (1 - I)/(n - 1); the whole row, diagonal included, is projected, so a
 * client whose peers all look harmful puts weight on itself and is pulled less:
 * personalized-collaborative-llms/src/optim/lora.py __update_trust_weights_frank_wolfe, gamma 0.05
 * there). The diagonal never pulls (x_i - x_i = 0).
 *
 * Pair schedule 'sqrt' is the authors' (grouping.py mid_param_grad_inner_prod): p = 2/n for the
 * first rounds, then 1/sqrt(t) (t counted from 1). The paper's text describes 'mixed' (constant,
 * then decaying); 'constant' with p = 1 is the LLM code's (lora.py __cobo).
 *
 * Order within a round: the authors step x with the current W, then compute the pair gradients at
 * the midpoints of the new models and update W for the next step. Here the pair gradients of round
 * t are computed at the midpoints of x_t (the same points) and W is updated before the x step of
 * round t: the same sequence of W and x, except that the very first x step already sees one W
 * update.
 *
 * Deliberate difference: the LLM code computes both midpoint gradients on client i's data
 * (lora.py _calculate_mid_param_models draws both batches from data['train'][i]); here, as in
 * the paper and the vision code, g_j(z_ij) is on client j's data.
 *
 * Stability: the consensus step is a contraction only while lr rho sum_k w_ik <= 1; beyond
 * that (e.g. many clients early, when W is still all ones) the pull is capped so that x_i moves at
 * most onto the w-weighted mean of the others. The authors' settings never reach the cap.
 */
import { getBackend } from '../../tensor/index.js';
import { uniform } from '../random.js';
import { dot, midpoint, type Vector } from '../vector.js';
import type { WorkResult } from '../work.js';
import type { Assignment, Strategy, StrategySetup } from './strategy.js';

export type CoboDomain = 'box' | 'simplex';
export type PairSchedule = 'constant' | 'decaying' | 'mixed' | 'sqrt';

export interface CoboOptions {
  lr: number;
  rho: number;
  gamma: number;
  domain: CoboDomain;
  /** beta of the exponential average of the local gradients, m <- beta m + (1 - beta) g (0: plain SGD) */
  momentum: number;
  sampling: PairSampling;
}

export interface PairSampling {
  schedule: PairSchedule;
  /** pair probability (before the switch, for 'mixed' and 'sqrt'); default 1/n, 2/n for 'sqrt' */
  p?: number;
  /** 'mixed', 'sqrt': constant before this round, decaying after */
  switchRound: number;
  /** decay time scale tau: p_t = p / (1 + t / tau) */
  decayRounds: number;
}

/** Probability that a given pair is sampled in round t. */
export function pairProbability(s: PairSampling, n: number, round: number): number {
  const p = Math.min(1, s.p ?? (s.schedule === 'sqrt' ? 2 : 1) / n);
  switch (s.schedule) {
    case 'sqrt':
      // After the switch the authors' 1/sqrt(t); capped at p (their switch comes after 800 steps,
      // where 1/sqrt(t) is below 2/n for their 8 clients; in short runs it would exceed it).
      return round < s.switchRound ? p : Math.min(p, 1 / Math.sqrt(round + 1));
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
  /** exponential average of each client's gradients (momentum > 0), and whether it has started */
  private M: Float32Array | null = null;
  private started: boolean[] = [];
  /** W [n, n], row-major; the diagonal never pulls (in the simplex it is a client's self-trust) */
  private W = new Float64Array(0);
  private next: () => number = Math.random;

  constructor(private readonly options: CoboOptions) {}

  setup(s: StrategySetup): void {
    this.n = s.clients;
    this.dim = s.init.length;
    this.X = new Float32Array(this.n * this.dim);
    for (let i = 0; i < this.n; i++) this.X.set(s.init, i * this.dim);
    if (this.options.momentum > 0) this.M = new Float32Array(this.n * this.dim);
    this.started = new Array<boolean>(this.n).fill(false);
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
    // The whole row, the diagonal (self-trust) included, as the authors' lora.py does.
    for (const i of touchedRows) this.W.set(projectSimplex(Array.from(this.W.subarray(i * n, (i + 1) * n))), i * n);
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
      const first = !this.started[i];
      this.started[i] = true;
      for (let d = 0; d < dim; d++) {
        let m = g[d];
        if (this.M) m = this.M[o + d] = first ? g[d] : momentum * this.M[o + d] + (1 - momentum) * g[d];
        X[o + d] = this.X[o + d] - lr * m - lr * c * (rowSum * this.X[o + d] - pull[o + d]);
      }
    }
    this.X = X;
  }
}
