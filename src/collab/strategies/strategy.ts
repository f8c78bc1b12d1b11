/**
 * The strategy interface (Flower's shape): every method, CoBo and each baseline, is three hooks
 * under one loop (`simulate.ts` in one process, `net/server.ts` over the network):
 *
 *   select(round, active)   which clients (or pairs of clients) take part, and what each computes
 *   runWork(...)            the local update, on the client (work.ts), shared by all strategies
 *   aggregate(round, ...)   the coordinator's update from the clients' results
 *
 * The coordinator holds every model (clients hold only data), so a client that leaves and comes
 * back finds its model where it left it, and the same run works in one process or many.
 */
import type { WorkRequest, WorkResult } from '../work.js';
import type { Vector } from '../vector.js';

export const STRATEGY_NAMES = ['local', 'fedavg', 'fedavg_ft', 'ditto', 'ifca', 'fc', 'oracle', 'cobo'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** One piece of work for one client in a round; `role` tells aggregate what it is for. */
export interface Assignment {
  client: number;
  request: WorkRequest;
  role: string;
  /** the other client of a CoBo pair, or the model owner of a Federated Clustering request */
  peer?: number;
}

export interface StrategySetup {
  /** client slots 0..n-1 (not all need be active in a round) */
  clients: number;
  /** the common initial model (every x_i starts here) */
  init: Vector;
  /** another initial model from a seed (IFCA's k distinct cluster models) */
  initFrom: (seed: number) => Vector;
  /** true cluster of each client (Oracle's groups; K for IFCA and FC) */
  clusters: readonly number[];
  /** total rounds of the run (schedules, FedAvg+FT's switch) */
  rounds: number;
  seed: number;
}

export interface Strategy {
  readonly name: StrategyName;
  setup(setup: StrategySetup): void;
  select(round: number, active: readonly number[]): Assignment[];
  /** results[k] answers assignments[k]; null when that client dropped out of the round */
  aggregate(round: number, assignments: readonly Assignment[], results: readonly (WorkResult | null)[]): void;
  /** the model client i is evaluated with (its personalised model, or the shared one) */
  model(client: number): Vector;
  /** n x n collaboration weights (CoBo's W; FC's and IFCA's implied clusters), if any */
  collaboration?(): number[][];
}

/** Common training hyperparameters of the baselines' local updates. */
export interface LocalTraining {
  lr: number;
  /** SGD steps per round (the gradient evaluations a client spends on its model per round) */
  localSteps: number;
}

export function trainRequest(model: Vector, t: LocalTraining, extra: Partial<Extract<WorkRequest, { kind: 'train' }>> = {}): WorkRequest {
  return { kind: 'train', model, steps: t.localSteps, lr: t.lr, seed: 0, ...extra };
}

/** Number of distinct clusters in a labelling. */
export function clusterCount(clusters: readonly number[]): number {
  return new Set(clusters).size;
}
