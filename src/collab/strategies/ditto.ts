/**
 * Ditto (Li, Hu, Beirami, Smith 2021): a FedAvg global model w, and per client a personal model
 * v_i trained on its own data with a proximal pull to w:
 *   w   <- FedAvg of SGD_i(w)
 *   v_i <- SGD on f_i(v) + lambda/2 ||v - w||^2
 * Each client spends 2 x localSteps gradient evaluations per round (one for each model).
 */
import { copy, weightedMean, type Vector } from '../vector.js';
import type { WorkResult } from '../work.js';
import { trainRequest, type Assignment, type LocalTraining, type Strategy, type StrategySetup } from './strategy.js';

export class Ditto implements Strategy {
  readonly name = 'ditto' as const;
  private w: Vector = new Float32Array(0);
  private v: Vector[] = [];

  constructor(private readonly training: LocalTraining, private readonly lambda: number) {}

  setup(s: StrategySetup): void {
    this.w = copy(s.init);
    this.v = Array.from({ length: s.clients }, () => copy(s.init));
  }

  select(_round: number, active: readonly number[]): Assignment[] {
    return active.flatMap((i) => [
      { client: i, role: 'global', request: trainRequest(this.w, this.training) },
      { client: i, role: 'personal', request: trainRequest(this.v[i], this.training, { prox: { center: this.w, lambda: this.lambda } }) },
    ]);
  }

  aggregate(_round: number, assignments: readonly Assignment[], results: readonly (WorkResult | null)[]): void {
    const models: Vector[] = [], weights: number[] = [];
    assignments.forEach((a, k) => {
      const r = results[k];
      if (!r?.model) return;
      if (a.role === 'personal') this.v[a.client] = r.model;
      else {
        models.push(r.model);
        weights.push(r.samples);
      }
    });
    if (models.length) this.w = weightedMean(models, weights);
  }

  model(i: number): Vector {
    return this.v[i];
  }
}
