/**
 * `apertus experiment cobo-tune --setting cross_device|cross_silo [--preset smoke] --out DIR`:
 * every strategy's hyperparameters chosen by one rule on a validation split, so that the
 * comparison in `experiment cobo` does not favour the method with the most tuning.
 *
 * Clients are evaluated on validation rows (held out of the training pool, disjoint from the test
 * set and from every client's training data; `setting.evaluate_on: validation`); the test set is
 * not read. The rule, the same for every strategy: the learning rate and the strategy's own
 * hyperparameters (Ditto's lambda, FedAvg+FT's fine-tuning fraction, CoBo's total W step per pair
 * and rho) with the best mean validation accuracy after the last round, over the grid. Same rounds,
 * seed and gradient budget per strategy as the preset.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CollabConfig } from '../collab/config.js';
import { runComparison } from '../collab/run.js';
import type { StrategyName } from '../collab/strategies/index.js';
import { coboFor, coboSettings, type CoboPreset } from './cobo-presets.js';

export interface TuneGrid {
  lr: number[];
  dittoLambda: number[];
  finetuneFraction: number[];
  /** CoBo (box W): gamma x the expected samples of a pair over the run */
  coboStep: number[];
  coboRho: number[];
  /** CoBo (simplex W, language models): gamma per pair sample */
  coboGamma: number[];
  /** CoBo (simplex W): the pull per step lr x rho (the authors' language-model code: 0.001) */
  coboPull: number[];
}

export const DEFAULT_GRID: TuneGrid = {
  lr: [0.05, 0.1, 0.2, 0.4, 0.8],
  dittoLambda: [0.001, 0.01, 0.1, 1],
  finetuneFraction: [0.1, 0.2, 0.5, 0.8, 0.9],
  coboStep: [30, 75, 187.5, 468.75],
  coboRho: [0.01, 0.02, 0.05, 0.2],
  coboGamma: [0.05, 0.5],
  coboPull: [0.001, 0.005],
};

/** Language models train ~10x slower: a smaller grid around the authors' values. */
export const LANGUAGE_GRID: TuneGrid = {
  ...DEFAULT_GRID,
  lr: [0.05, 0.1, 0.2, 0.4],
  dittoLambda: [0.01, 0.1, 1],
  finetuneFraction: [0.2, 0.5, 0.8],
};

export interface TuneOptions {
  setting: 'cross_silo' | 'cross_device' | 'languages';
  preset: CoboPreset;
  out?: string;
  grid?: Partial<TuneGrid>;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface Trial {
  lr: number;
  strategy: StrategyName;
  /** the strategy's own hyperparameters in this trial */
  params: Record<string, number>;
  /** mean validation metric after the last round (accuracy, or perplexity for language models) */
  validation: number;
  seconds: number;
}

export interface TuneResult {
  setting: string;
  preset: CoboPreset;
  rounds: number;
  grid: TuneGrid;
  trials: Trial[];
  /** per strategy: the best trial */
  selected: Partial<Record<StrategyName, { lr: number; params: Record<string, number>; validation: number }>>;
}

/** The variants of a strategy's own hyperparameters. */
function variants(strategy: StrategyName, grid: TuneGrid, simplex: boolean): Record<string, number>[] {
  switch (strategy) {
    case 'ditto': return grid.dittoLambda.map((lambda) => ({ lambda }));
    case 'fedavg_ft': return grid.finetuneFraction.map((finetune_fraction) => ({ finetune_fraction }));
    case 'cobo': return simplex
      ? grid.coboGamma.flatMap((gamma) => grid.coboPull.map((pull) => ({ gamma, pull })))
      : grid.coboStep.flatMap((step) => grid.coboRho.map((rho) => ({ step, rho })));
    default: return [{}];
  }
}

/** The preset's config with one strategy, one learning rate and one variant, evaluated on validation rows. */
export function trialConfig(base: CollabConfig, strategy: StrategyName, lr: number, params: Record<string, number>): CollabConfig {
  const c: CollabConfig = {
    ...base, strategies: [strategy], training: { ...base.training, lr, lr_by_strategy: {} },
    setting: { ...base.setting, evaluate_on: 'validation' },
  };
  if (strategy === 'ditto') c.ditto = { lambda: params.lambda! };
  if (strategy === 'fedavg_ft') c.fedavg_ft = { finetune_fraction: params.finetune_fraction! };
  if (strategy === 'cobo' && params.pull !== undefined) c.cobo = { ...base.cobo, gamma: params.gamma!, rho: params.pull / lr };
  else if (strategy === 'cobo' && base.setting.kind !== 'languages') {
    c.cobo = { ...coboFor(base.rounds, base.setting.clients, params.step!), domain: base.cobo.domain, momentum: base.cobo.momentum, rho: params.rho! };
  }
  return c;
}

export async function tuneCobo(o: TuneOptions): Promise<TuneResult> {
  const grid = { ...(o.setting === 'languages' ? LANGUAGE_GRID : DEFAULT_GRID), ...o.grid };
  const base = coboSettings(o.preset)[o.setting]!;
  const simplex = base.cobo.domain === 'simplex';
  const lower = base.setting.kind === 'languages'; // perplexity: lower is better; a diverged run (NaN) is worst
  const better = (a: number, b: number) => Number.isFinite(a) && (!Number.isFinite(b) || (lower ? a < b : a > b));
  const log = o.log ?? (() => {});
  const trials: Trial[] = [];
  const total = grid.lr.length * base.strategies.reduce((n, s) => n + variants(s, grid, simplex).length, 0);
  for (const lr of grid.lr) {
    for (const strategy of base.strategies) {
      for (const params of variants(strategy, grid, simplex)) {
        if (o.signal?.aborted) throw new Error('interrupted');
        const started = performance.now();
        const r = await runComparison(trialConfig(base, strategy, lr, params), { signal: o.signal });
        const trial: Trial = { lr, strategy, params, validation: r.summary.strategies[strategy]!.mean, seconds: (performance.now() - started) / 1000 };
        trials.push(trial);
        log(`[${trials.length}/${total}] lr ${lr} ${strategy} ${JSON.stringify(params)}: validation ${format(trial.validation, lower)} (${trial.seconds.toFixed(1)} s)`);
      }
    }
  }
  const selected: TuneResult['selected'] = {};
  for (const s of base.strategies) {
    const t = trials.filter((x) => x.strategy === s).reduce((a, b) => (better(b.validation, a.validation) ? b : a));
    selected[s] = { lr: t.lr, params: t.params, validation: t.validation };
  }
  const result: TuneResult = { setting: o.setting, preset: o.preset, rounds: base.rounds, grid, trials, selected };
  if (o.out) {
    await mkdir(o.out, { recursive: true });
    await writeFile(join(o.out, 'tune.json'), `${JSON.stringify(result, null, 2)}\n`);
    await writeFile(join(o.out, 'tune.md'), tuneTable(result));
  }
  return result;
}

/** Validation accuracy of every trial, and the selection. */
export function tuneTable(r: TuneResult): string {
  const lower = r.setting === 'languages';
  const lines = [`# Hyperparameters for ${r.setting} (preset ${r.preset}, ${r.rounds} rounds, validation ${lower ? 'perplexity' : 'accuracy %'})`, ''];
  lines.push('| strategy | variant | ' + r.grid.lr.map((lr) => `lr ${lr}`).join(' | ') + ' |', '|---|---|' + r.grid.lr.map(() => '---|').join(''));
  const keys = [...new Set(r.trials.map((t) => `${t.strategy}\t${JSON.stringify(t.params)}`))];
  for (const key of keys) {
    const [strategy, params] = key.split('\t') as [string, string];
    const cells = r.grid.lr.map((lr) => {
      const t = r.trials.find((x) => x.lr === lr && x.strategy === strategy && JSON.stringify(x.params) === params);
      return t ? format(t.validation, lower) : '-';
    });
    lines.push(`| ${strategy} | ${params === '{}' ? '-' : params} | ${cells.join(' | ')} |`);
  }
  lines.push('', `Selected (validation ${lower ? 'perplexity' : '%'}): ` + Object.entries(r.selected)
    .map(([s, v]) => `${s} lr ${v.lr}${Object.keys(v.params).length ? ` ${JSON.stringify(v.params)}` : ''} ${format(v.validation, lower)}`).join('; ') + '.', '');
  return lines.join('\n');
}

function format(v: number, perplexity: boolean): string {
  return perplexity ? v.toFixed(2) : (100 * v).toFixed(1);
}
