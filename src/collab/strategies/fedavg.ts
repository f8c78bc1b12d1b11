/**
 * Local, FedAvg, FedAvg + fine-tuning and Oracle: the methods that average (or do not).
 *   Local       x_i <- SGD_i(x_i)                                  no communication
 *   FedAvg      w <- sum_i n_i SGD_i(w) / sum_i n_i                 one model for all (McMahan et al.)
 *   FedAvg+FT   FedAvg for the first (1 - f) of the rounds, then Local from the FedAvg model
 *   Oracle      FedAvg inside each true cluster                     (the paper's upper reference)
 */
import { copy, weightedMean, type Vector } from '../vector.js';
import type { WorkResult } from '../work.js';
import { trainRequest, type Assignment, type LocalTraining, type Strategy, type StrategySetup, type StrategyName } from './strategy.js';

export class Local implements Strategy {
  readonly name: StrategyName = 'local';
  protected x: Vector[] = [];

  constructor(protected readonly training: LocalTraining) {}

  setup(s: StrategySetup): void {
    this.x = Array.from({ length: s.clients }, () => copy(s.init));
  }

  select(_round: number, active: readonly number[]): Assignment[] {
    return active.map((i) => ({ client: i, role: 'local', request: trainRequest(this.x[i], this.training) }));
  }

  aggregate(_round: number, assignments: readonly Assignment[], results: readonly (WorkResult | null)[]): void {
    assignments.forEach((a, k) => {
      const r = results[k];
      if (r?.model) this.x[a.client] = r.model;
    });
  }

  model(i: number): Vector {
    return this.x[i];
  }

  /** Every client's model set to a copy of `model` (FedAvg+FT's switch to fine-tuning). */
  resetAll(model: Vector): void {
    this.x = this.x.map(() => copy(model));
  }
}

/** FedAvg inside groups: one group (FedAvg) or the true clusters (Oracle). */
export class GroupAverage implements Strategy {
  protected w: Vector[] = [];
  protected group: number[] = [];

  constructor(readonly name: StrategyName, protected readonly training: LocalTraining) {}

  setup(s: StrategySetup): void {
    this.group = this.name === 'oracle' ? [...s.clusters] : s.clusters.map(() => 0);
    const groups = Math.max(...this.group) + 1;
    this.w = Array.from({ length: groups }, () => copy(s.init));
  }

  select(_round: number, active: readonly number[]): Assignment[] {
    return active.map((i) => ({ client: i, role: 'global', request: trainRequest(this.w[this.group[i]], this.training) }));
  }

  aggregate(_round: number, assignments: readonly Assignment[], results: readonly (WorkResult | null)[]): void {
    const byGroup = new Map<number, { models: Vector[]; weights: number[] }>();
    assignments.forEach((a, k) => {
      const r = results[k];
      if (!r?.model) return;
      const g = this.group[a.client];
      const entry = byGroup.get(g) ?? { models: [], weights: [] };
      entry.models.push(r.model);
      entry.weights.push(r.samples);
      byGroup.set(g, entry);
    });
    for (const [g, { models, weights }] of byGroup) this.w[g] = weightedMean(models, weights);
  }

  model(i: number): Vector {
    return this.w[this.group[i]];
  }
}

export class FedAvgFineTune implements Strategy {
  readonly name: StrategyName = 'fedavg_ft';
  private readonly fedavg: GroupAverage;
  private readonly local: Local;
  private switchRound = 0;
  private switched = false;

  constructor(training: LocalTraining, private readonly fineTuneFraction: number) {
    this.fedavg = new GroupAverage('fedavg', training);
    this.local = new Local(training);
  }

  setup(s: StrategySetup): void {
    this.fedavg.setup(s);
    this.local.setup(s);
    this.switchRound = Math.round(s.rounds * (1 - this.fineTuneFraction));
  }

  select(round: number, active: readonly number[]): Assignment[] {
    if (round < this.switchRound) return this.fedavg.select(round, active);
    if (!this.switched) {
      // Every client starts fine-tuning from the FedAvg model.
      this.switched = true;
      this.local.resetAll(this.fedavg.model(0));
    }
    return this.local.select(round, active);
  }

  aggregate(round: number, assignments: readonly Assignment[], results: readonly (WorkResult | null)[]): void {
    if (round < this.switchRound) this.fedavg.aggregate(round, assignments, results);
    else this.local.aggregate(round, assignments, results);
  }

  model(i: number): Vector {
    return this.switched ? this.local.model(i) : this.fedavg.model(i);
  }
}
