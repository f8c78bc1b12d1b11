/**
 * A whole simulated comparison: build the setting's clients, run every strategy on the same data,
 * seed and rounds, and summarise (mean metric, share of clients beating Local, CoBo's W recovery).
 */
import { membershipOf, settingOptions, strategyOptions, type CollabConfig } from './config.js';
import { buildSetting, type Setting } from './data/settings.js';
import { clusterRecoveryAuc, mean } from './metrics.js';
import { LocalPool, runStrategy, type ClientPool, type RunOptions, type RunResult } from './simulate.js';
import { createStrategy, type Strategy, type StrategyName } from './strategies/index.js';
import { createTemplate, type ModelTemplate } from './tasks/index.js';
import { computeThreads, setComputeThreads } from './threads.js';

export interface StrategySummary {
  mean: number;
  /** percent of clients whose final metric beats Local's (the paper's "Imp.(%)"); null for Local */
  beat_local: number | null;
  /** final metric per client (NaN, null in JSON, for a client that was away at the end) */
  clients: number[];
  /** clients without a final metric: disconnected at the end of a networked run */
  missing: number;
  grad_evals_per_client_round: number;
  seconds: number;
}

export interface SettingSummary {
  metric: 'accuracy' | 'perplexity';
  strategies: Partial<Record<StrategyName, StrategySummary>>;
  /** [round, AUC of CoBo's W against the true same-cluster matrix] */
  w_recovery: [number, number][];
  clusters: number[];
  client_names: string[];
}

export interface ComparisonResult {
  setting: Setting;
  runs: RunResult[];
  summary: SettingSummary;
}

export function strategyFor(config: CollabConfig, name: StrategyName, template: ModelTemplate, clusters: number[]): Strategy {
  const s = createStrategy(name, strategyOptions(config, name));
  s.setup({ clients: clusters.length, init: template.init(config.seed + 1), initFrom: (seed) => template.init(seed), clusters, rounds: config.rounds, seed: config.seed });
  return s;
}

export function runOptions(config: CollabConfig, extra: Partial<RunOptions> = {}): RunOptions {
  return {
    rounds: config.rounds, seed: config.seed, evalEvery: config.eval_every, wEvery: config.w_every,
    membership: membershipOf(config), initiallyActive: config.initially_active, ...extra,
  };
}

export async function runComparison(config: CollabConfig, hooks: {
  onStrategy?: (name: StrategyName) => void;
  onRound?: RunOptions['onRound'];
  onEval?: RunOptions['onEval'];
  signal?: AbortSignal;
  pool?: (template: ModelTemplate, setting: Setting) => ClientPool;
} = {}): Promise<ComparisonResult> {
  const setting = buildSetting(settingOptions(config));
  // the simulation picks its own thread count and gives the caller's back when it ends
  const previous = computeThreads();
  setComputeThreads(config.threads ?? (setting.model.kind === 'mlp' ? 1 : 2));
  try {
    const template = createTemplate(setting.model);
    const pool = hooks.pool?.(template, setting) ?? new LocalPool(template, setting.clients.map((c) => c.data));
    const clusters = setting.clients.map((c) => c.cluster);
    const runs: RunResult[] = [];
    for (const name of config.strategies) {
      hooks.onStrategy?.(name);
      const strategy = strategyFor(config, name, template, clusters);
      runs.push(await runStrategy(strategy, pool, runOptions(config, { onRound: hooks.onRound, onEval: hooks.onEval, signal: hooks.signal })));
    }
    return { setting, runs, summary: summarise(setting, runs) };
  } finally {
    if (previous !== undefined) setComputeThreads(previous);
  }
}

export function summarise(setting: Setting, runs: readonly RunResult[]): SettingSummary {
  const clusters = setting.clients.map((c) => c.cluster);
  const better = (a: number, b: number) => (setting.metric === 'accuracy' ? a > b : a < b);
  const final = (r: RunResult) => r.evals.at(-1)?.metric ?? [];
  const local = runs.find((r) => r.strategy === 'local');
  const strategies: SettingSummary['strategies'] = {};
  for (const r of runs) {
    const f = final(r);
    const l = local ? final(local) : undefined;
    strategies[r.strategy as StrategyName] = {
      mean: mean(f),
      beat_local: r.strategy === 'local' || !l ? null : beatShare(f, l, better),
      clients: f, missing: f.filter((v) => !Number.isFinite(v)).length, grad_evals_per_client_round: r.gradEvalsPerClientRound, seconds: r.seconds,
    };
  }
  const cobo = runs.find((r) => r.strategy === 'cobo');
  const w_recovery = (cobo?.collaboration ?? []).map((s) => [s.round, clusterRecoveryAuc(s.W, clusters)] as [number, number]);
  return { metric: setting.metric, strategies, w_recovery, clusters, client_names: setting.clients.map((c) => c.name) };
}

/** Percent of the clients with both metrics whose metric beats Local's. */
function beatShare(f: readonly number[], local: readonly number[], better: (a: number, b: number) => boolean): number {
  const both = f.map((v, i) => [v, local[i]!] as const).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  return both.length ? (100 * both.filter(([a, b]) => better(a, b)).length) / both.length : NaN;
}
