/**
 * `apertus experiment cobo --preset smoke|full|test --out DIR`: the paper's three settings (R10)
 * with every strategy on the same data, seeds and rounds. Writes DIR/results.json
 *   {"settings": {"<setting>": {"metric": "accuracy"|"perplexity",
 *     "strategies": {"<strategy>": {"mean": x, "beat_local": x, ...}}, "w_recovery": [[round, auc], ...]}}}
 * DIR/results.md (the table), and plots: per setting the mean metric per strategy over rounds,
 * CoBo's W early and at the end beside the true same-cluster matrix, and W's recovery AUC.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clusterMatrix, mean } from '../collab/metrics.js';
import { runComparison, type ComparisonResult, type SettingSummary } from '../collab/run.js';
import type { StrategyName } from '../collab/strategies/index.js';
import { heatmap, lineChart, writeSvg } from '../report/charts.js';
import { coboSettings, type CoboPreset } from './cobo-presets.js';

export { coboSettings, type CoboPreset } from './cobo-presets.js';

/** The paper's numbers (R10): accuracy % (cross-silo, cross-device), perplexity (LLM). */
export const PAPER: Record<string, Partial<Record<StrategyName, number>>> = {
  cross_silo: { local: 64.9, fedavg: 18.8, fedavg_ft: 70.2, ditto: 73.5, ifca: 18.6, fc: 55.1, cobo: 74.6, oracle: 75.4 },
  cross_device: { local: 54.9, fedavg: 53.9, fedavg_ft: 58.9, ditto: 70.3, ifca: 45.6, cobo: 79.6, oracle: 83.6 },
  languages: { local: 41.26, fedavg: 64.84, fedavg_ft: 46.7, ditto: 40.05, cobo: 39.28 },
};

export interface CoboExperimentOptions {
  preset: CoboPreset;
  out: string;
  /** only these settings (default all three) */
  settings?: string[];
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface CoboExperimentResult {
  preset: CoboPreset;
  settings: Record<string, SettingSummary & { rounds: number; seconds: number }>;
}

export async function runCoboExperiment(o: CoboExperimentOptions): Promise<CoboExperimentResult> {
  const log = o.log ?? (() => {});
  await mkdir(o.out, { recursive: true });
  const configs = coboSettings(o.preset);
  const result: CoboExperimentResult = { preset: o.preset, settings: {} };
  for (const [name, config] of Object.entries(configs)) {
    if (o.settings && !o.settings.includes(name)) continue;
    const started = performance.now();
    log(`${name}: ${config.setting.kind === 'languages' ? 'language models' : `${config.setting.clients} clients`}, ${config.rounds} rounds, ` +
      `strategies ${config.strategies.join(', ')}`);
    const comparison = await runComparison(config, {
      signal: o.signal,
      onStrategy: (s) => log(`  ${name} / ${s} ...`),
    });
    const seconds = (performance.now() - started) / 1000;
    result.settings[name] = { ...comparison.summary, rounds: config.rounds, seconds };
    for (const [s, v] of Object.entries(comparison.summary.strategies)) {
      log(`  ${name} / ${s}: ${comparison.summary.metric} ${v.mean.toFixed(4)}${v.beat_local === null ? '' : `, beats Local on ${v.beat_local.toFixed(0)}% of clients`} (${v.seconds.toFixed(1)} s)`);
    }
    await plots(o.out, name, comparison);
    await writeFile(join(o.out, 'results.json'), `${JSON.stringify(result, null, 2)}\n`);
  }
  await writeFile(join(o.out, 'results.md'), table(result));
  return result;
}

async function plots(out: string, name: string, c: ComparisonResult): Promise<void> {
  const { summary, runs } = c;
  const metric = summary.metric;
  await writeSvg(join(out, `${name}-curves.svg`), lineChart(`${name}: mean ${metric} per strategy`,
    runs.map((r) => ({ name: r.strategy, points: r.evals.map((e) => [e.round, mean(e.metric)] as [number, number]) })),
    { x: 'round', y: metric, logY: metric === 'perplexity' }));
  const labels = summary.client_names;
  await writeSvg(join(out, `${name}-w-truth.svg`), heatmap(`${name}: true clusters`, clusterMatrix(summary.clusters), labels));
  const cobo = runs.find((r) => r.strategy === 'cobo');
  if (cobo && cobo.collaboration.length) {
    const early = cobo.collaboration[0], last = cobo.collaboration.at(-1)!;
    const max = Math.max(1e-9, ...last.W.flat());
    await writeSvg(join(out, `${name}-w-early.svg`), heatmap(`${name}: CoBo W after ${early.round} rounds`, early.W, labels, { max: Math.max(1e-9, ...early.W.flat()) }));
    await writeSvg(join(out, `${name}-w-final.svg`), heatmap(`${name}: CoBo W after ${last.round} rounds`, last.W, labels, { max }));
    await writeSvg(join(out, `${name}-w-recovery.svg`), lineChart(`${name}: AUC of CoBo's W against the true clusters`,
      [{ name: 'cobo', points: summary.w_recovery }], { x: 'round', y: 'ROC AUC' }));
  }
}

/** The measured table beside the paper's. */
export function table(result: CoboExperimentResult): string {
  const lines = [`# CoBo experiment (preset ${result.preset})`, ''];
  for (const [name, s] of Object.entries(result.settings)) {
    const unit = s.metric === 'accuracy' ? 'accuracy %' : 'perplexity';
    lines.push(`## ${name} (${s.rounds} rounds, ${s.seconds.toFixed(0)} s)`, '', `| strategy | measured ${unit} | beats Local (% clients) | grads/client/round | paper ${unit} |`, '|---|---|---|---|---|');
    for (const [strategy, v] of Object.entries(s.strategies)) {
      const measured = s.metric === 'accuracy' ? (100 * v.mean).toFixed(1) : v.mean.toFixed(2);
      const paper = PAPER[name]?.[strategy as StrategyName];
      lines.push(`| ${strategy} | ${measured} | ${v.beat_local === null ? '-' : v.beat_local.toFixed(0)} | ${v.grad_evals_per_client_round.toFixed(2)} | ${paper ?? '-'} |`);
    }
    if (s.w_recovery.length) {
      const first = s.w_recovery[0], last = s.w_recovery.at(-1)!;
      lines.push('', `CoBo's W against the true clusters: AUC ${first[1].toFixed(2)} after ${first[0]} rounds, ${last[1].toFixed(2)} after ${last[0]}.`);
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
