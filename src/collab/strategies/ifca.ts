/**
 * IFCA (Ghosh, Chung, Yin, Ramchandran 2020), model-averaging variant: k cluster models from k
 * distinct initialisations; each round every client takes the model with the lowest loss on a
 * minibatch of its data, trains it locally, and each cluster model becomes the average of the
 * models trained from it. As in the CoBo paper, k is the true number of clusters.
 */
import { weightedMean, type Vector } from '../vector.js';
import type { WorkResult } from '../work.js';
import { clusterCount, trainRequest, type Assignment, type LocalTraining, type Strategy, type StrategySetup } from './strategy.js';

export class Ifca implements Strategy {
  readonly name = 'ifca' as const;
  private models: Vector[] = [];
  private choice: number[] = [];

  constructor(private readonly training: LocalTraining, private readonly k?: number) {}

  setup(s: StrategySetup): void {
    const k = this.k ?? clusterCount(s.clusters);
    this.models = Array.from({ length: k }, (_, j) => (j === 0 ? s.init : s.initFrom(s.seed + 7919 * j)));
    this.choice = new Array<number>(s.clients).fill(0);
  }

  select(_round: number, active: readonly number[]): Assignment[] {
    return active.map((i) => ({ client: i, role: 'cluster', request: trainRequest(this.models[0], this.training, { model: undefined, candidates: this.models }) }));
  }

  aggregate(_round: number, assignments: readonly Assignment[], results: readonly (WorkResult | null)[]): void {
    const trained = this.models.map(() => ({ models: [] as Vector[], weights: [] as number[] }));
    assignments.forEach((a, k) => {
      const r = results[k];
      if (!r?.model || r.chosen === undefined) return;
      this.choice[a.client] = r.chosen;
      trained[r.chosen].models.push(r.model);
      trained[r.chosen].weights.push(r.samples);
    });
    trained.forEach((t, j) => {
      if (t.models.length) this.models[j] = weightedMean(t.models, t.weights);
    });
  }

  model(i: number): Vector {
    return this.models[this.choice[i]];
  }

  /** 1 where two clients chose the same cluster model in their last round. */
  collaboration(): number[][] {
    return this.choice.map((a) => this.choice.map((b) => (a === b ? 1 : 0)));
  }
}
