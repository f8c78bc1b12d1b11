/**
 * Federated Clustering (FC; Werner, He, Karimireddy, Jordan, Jaggi 2023, "Provably personalized
 * and robust federated learning"), as the CoBo paper runs it: every client i keeps its own model
 * x_i; each round every client j computes its gradient u_j at x_i (n^2 gradients per round, which
 * is why the paper leaves FC out of the 80-client setting), and x_i moves along a robust centre of
 * those updates found by threshold clustering started at i's own update:
 *   c <- u_i;  repeat S times: tau <- radius; c <- mean_j (u_j if ||u_j - c|| <= tau else c)
 *   m_i <- beta m_i + c;  x_i <- x_i - lr m_i
 * Radius (our reading of their quantile rule, given the true number of clusters K as the CoBo
 * paper does): halfway between the s-th and (s+1)-th smallest distance to c, s = round(n / K).
 */
import { copy, distance, type Vector } from '../vector.js';
import type { WorkResult } from '../work.js';
import { clusterCount, type Assignment, type Strategy, type StrategySetup } from './strategy.js';

export interface FcOptions {
  lr: number;
  /** momentum beta of the update (0: plain SGD like the other methods) */
  momentum: number;
  /** threshold-clustering iterations S */
  thresholdSteps: number;
  /** clusters K (default: the true number) */
  k?: number;
}

export class FederatedClustering implements Strategy {
  readonly name = 'fc' as const;
  private x: Vector[] = [];
  private m: Vector[] = [];
  private inside: number[][] = [];
  private k = 1;

  constructor(private readonly options: FcOptions) {}

  setup(s: StrategySetup): void {
    this.x = Array.from({ length: s.clients }, () => copy(s.init));
    this.m = Array.from({ length: s.clients }, () => new Float32Array(s.init.length));
    this.inside = Array.from({ length: s.clients }, () => new Array<number>(s.clients).fill(1));
    this.k = this.options.k ?? clusterCount(s.clusters);
  }

  select(_round: number, active: readonly number[]): Assignment[] {
    return active.flatMap((owner) => active.map((j) => ({
      client: j, peer: owner, role: 'update', request: { kind: 'grad' as const, model: this.x[owner], seed: 0 },
    })));
  }

  aggregate(_round: number, assignments: readonly Assignment[], results: readonly (WorkResult | null)[]): void {
    const updates = new Map<number, { client: number; grad: Vector }[]>();
    assignments.forEach((a, k) => {
      const g = results[k]?.grad;
      if (!g) return;
      const list = updates.get(a.peer!) ?? [];
      list.push({ client: a.client, grad: g });
      updates.set(a.peer!, list);
    });
    for (const [owner, list] of updates) {
      const own = list.find((u) => u.client === owner);
      if (!own) continue;
      const { centre, inside } = this.thresholdCentre(own.grad, list.map((u) => u.grad));
      const row = this.inside[owner];
      row.fill(0);
      list.forEach((u, k) => (row[u.client] = inside[k] ? 1 : 0));
      const m = this.m[owner], x = this.x[owner] = copy(this.x[owner]);
      for (let d = 0; d < m.length; d++) {
        m[d] = this.options.momentum * m[d] + centre[d];
        x[d] -= this.options.lr * m[d];
      }
    }
  }

  model(i: number): Vector {
    return this.x[i];
  }

  collaboration(): number[][] {
    return this.inside.map((row) => [...row]);
  }

  private thresholdCentre(start: Vector, updates: Vector[]): { centre: Float64Array; inside: boolean[] } {
    const dim = start.length;
    let centre = Float64Array.from(start);
    let inside = updates.map(() => true);
    const s = Math.max(1, Math.min(updates.length - 1, Math.round(updates.length / this.k)));
    for (let step = 0; step < this.options.thresholdSteps; step++) {
      const c32 = Float32Array.from(centre);
      const dist = updates.map((u) => distance(u, c32));
      const sorted = [...dist].sort((a, b) => a - b);
      const tau = s < sorted.length ? (sorted[s - 1] + sorted[s]) / 2 : Infinity;
      inside = dist.map((d) => d <= tau);
      const next = new Float64Array(dim);
      updates.forEach((u, k) => {
        if (inside[k]) for (let d = 0; d < dim; d++) next[d] += u[d];
        else for (let d = 0; d < dim; d++) next[d] += centre[d];
      });
      for (let d = 0; d < dim; d++) next[d] /= updates.length;
      centre = next;
    }
    return { centre, inside };
  }
}
