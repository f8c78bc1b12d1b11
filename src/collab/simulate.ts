/**
 * The one loop every strategy runs under, in one process (an in-process client pool) or over the
 * network (the coordinator's remote pool): select -> the clients' local updates -> aggregate,
 * with evaluation and collaboration-matrix snapshots every few rounds and the gradient budget
 * counted per client and round.
 */
import { mixSeed } from './random.js';
import type { Assignment, Strategy } from './strategies/index.js';
import type { ClientData, ModelTemplate } from './tasks/index.js';
import { runWork, type WorkResult } from './work.js';

/** Where the work of a round is computed. */
export interface ClientPool {
  /** client slots */
  readonly size: number;
  /** results aligned with the assignments; null for a client that did not answer */
  run(round: number, assignments: readonly Assignment[]): Promise<(WorkResult | null)[]>;
  /** of the clients the run plans for a round, those that can take part (connected ones) */
  available?(planned: readonly number[]): number[];
}

/** Clients in this process: one template computes for all of them, one after the other. */
export class LocalPool implements ClientPool {
  constructor(private readonly template: ModelTemplate, private readonly data: readonly ClientData[]) {}

  get size(): number {
    return this.data.length;
  }

  async run(_round: number, assignments: readonly Assignment[]): Promise<(WorkResult | null)[]> {
    return assignments.map((a) => runWork(this.template, this.data[a.client], a.request));
  }
}

/**
 * Clients join or leave before a round, or fail during it: a failing client is given the round's
 * work but its results are lost (as when a process dies mid-round and the coordinator times it
 * out), and it stays away until a later event lets it join again.
 */
export interface MembershipEvent {
  round: number;
  join?: number[];
  leave?: number[];
  fail?: number[];
}

export interface RunOptions {
  rounds: number;
  seed: number;
  /** evaluate every client every this many rounds (and after the last) */
  evalEvery: number;
  /** snapshot the collaboration matrix every this many rounds */
  wEvery: number;
  /** clients active from round 0 (default: all) */
  initiallyActive?: number[];
  membership?: MembershipEvent[];
  /** after each round; the next round waits for a returned promise */
  onRound?: (round: number, info: { active: number; gradEvals: number }) => void | Promise<void>;
  onEval?: (point: EvalPoint) => void;
  signal?: AbortSignal;
}

export interface EvalPoint {
  round: number;
  metric: number[];
  loss: number[];
}

export interface RunResult {
  strategy: string;
  rounds: number;
  evals: EvalPoint[];
  /** [round, W] snapshots (rounds counted from 1: after that many rounds) */
  collaboration: { round: number; W: number[][] }[];
  /** minibatch gradient evaluations per active client per round, averaged */
  gradEvalsPerClientRound: number;
  lossEvalsPerClientRound: number;
  seconds: number;
}

/** The seed of the k-th request of a round: the same in one process and over the network. */
export function requestSeed(seed: number, round: number, k: number): number {
  return mixSeed(seed, round, k);
}

export function activeClients(size: number, round: number, options: Pick<RunOptions, 'initiallyActive' | 'membership'>): number[] {
  const active = new Set(options.initiallyActive ?? [...Array(size).keys()]);
  for (const e of [...(options.membership ?? [])].sort((a, b) => a.round - b.round)) {
    if (e.round > round) break;
    for (const i of e.join ?? []) active.add(i);
    for (const i of e.leave ?? []) active.delete(i);
    if (e.round < round) for (const i of e.fail ?? []) active.delete(i);
  }
  return [...active].sort((a, b) => a - b);
}

export async function runStrategy(strategy: Strategy, pool: ClientPool, options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const result: RunResult = {
    strategy: strategy.name, rounds: 0, evals: [], collaboration: [], gradEvalsPerClientRound: 0, lossEvalsPerClientRound: 0, seconds: 0,
  };
  let gradEvals = 0, lossEvals = 0, clientRounds = 0;
  for (let round = 0; round < options.rounds; round++) {
    if (options.signal?.aborted) break;
    const planned = activeClients(pool.size, round, options);
    const active = pool.available ? pool.available(planned) : planned;
    const plan = strategy.select(round, active);
    plan.forEach((a, k) => {
      if (a.request.kind !== 'evaluate') a.request.seed = requestSeed(options.seed, round, k);
    });
    const results = await pool.run(round, plan);
    const failing = new Set((options.membership ?? []).filter((e) => e.round === round).flatMap((e) => e.fail ?? []));
    plan.forEach((a, k) => {
      if (failing.has(a.client)) results[k] = null;
    });
    strategy.aggregate(round, plan, results);
    let spent = 0;
    for (const r of results) {
      spent += r?.gradEvals ?? 0;
      lossEvals += r?.lossEvals ?? 0;
    }
    gradEvals += spent;
    clientRounds += active.length;
    result.rounds = round + 1;
    await options.onRound?.(round, { active: active.length, gradEvals: spent });
    if (strategy.collaboration && (round + 1) % options.wEvery === 0) {
      result.collaboration.push({ round: round + 1, W: strategy.collaboration() });
    }
    if ((round + 1) % options.evalEvery === 0 || round + 1 === options.rounds) {
      const point = await evaluate(strategy, pool, round + 1);
      result.evals.push(point);
      options.onEval?.(point);
    }
  }
  result.gradEvalsPerClientRound = clientRounds ? gradEvals / clientRounds : 0;
  result.lossEvalsPerClientRound = clientRounds ? lossEvals / clientRounds : 0;
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/** Every client's model on its own test set. */
export async function evaluate(strategy: Strategy, pool: ClientPool, round: number): Promise<EvalPoint> {
  const plan: Assignment[] = [...Array(pool.size).keys()].map((i) => ({ client: i, role: 'evaluate', request: { kind: 'evaluate', model: strategy.model(i) } }));
  const results = await pool.run(round, plan);
  return { round, metric: results.map((r) => r?.metric ?? NaN), loss: results.map((r) => r?.loss ?? NaN) };
}
