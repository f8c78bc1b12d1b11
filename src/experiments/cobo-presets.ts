/**
 * The paper's settings (R10) at sizes this CPU can do, as collab configs. `smoke` runs in a few
 * minutes, `full` in under an hour on two cores, `test` in seconds (for the test suite).
 */
import type { CollabConfig } from '../collab/config.js';
import type { StrategyName } from '../collab/strategies/index.js';

export type CoboPreset = 'test' | 'smoke' | 'full';

const ALL: StrategyName[] = ['local', 'fedavg', 'fedavg_ft', 'ditto', 'ifca', 'fc', 'oracle', 'cobo'];
/** FC needs n^2 gradients per round: left out with 80 clients, as in the paper. */
const NO_FC = ALL.filter((s) => s !== 'fc');
/** Clustering baselines are not run on the language models, as in the paper. */
const LM = ALL.filter((s) => s !== 'fc' && s !== 'ifca');

function base(rounds: number, lr: number): Omit<CollabConfig, 'setting' | 'strategies'> {
  const r = Math.max(1, Math.round(rounds / 10));
  return {
    seed: 0, rounds, eval_every: Math.max(1, Math.round(rounds / 10)), w_every: Math.max(1, Math.round(rounds / 40)),
    training: { lr, local_steps: 1 },
    ditto: { lambda: 0.1 }, fedavg_ft: { finetune_fraction: 0.2 }, ifca: {}, fc: { momentum: 0, threshold_steps: 3 },
    cobo: { rho: 0.01, gamma: 1, domain: 'box', momentum: 0, sampling: { schedule: 'mixed', switch_round: r, decay_rounds: r } },
    membership: [],
  };
}

export function coboSettings(preset: CoboPreset): Record<string, CollabConfig> {
  const size = { test: 0, smoke: 1, full: 2 }[preset];
  const pick = <T>(values: [T, T, T]): T => values[size];
  const crossSilo: CollabConfig = {
    ...base(pick([40, 500, 3000]), 0.1),
    setting: {
      kind: 'cross_silo', clients: pick([4, 8, 8]), clusters: pick([2, 4, 4]), classes: pick([20, 100, 100]),
      features: pick([64, 256, 256]), train_fraction: 0.06, hidden: pick([16, 64, 64]), batch: 32,
    },
    strategies: ALL,
  };
  const crossDevice: CollabConfig = {
    ...base(pick([30, 200, 1500]), 0.1),
    setting: {
      kind: 'cross_device', clients: pick([10, 80, 80]), clusters: pick([2, 10, 10]), classes: pick([20, 100, 100]),
      features: pick([64, 256, 256]), train_fraction: 0.3, hidden: pick([16, 64, 64]), batch: 32,
      cluster_sizes: pick([undefined, [6, 6, 7, 7, 8, 8, 9, 9, 10, 10], [6, 6, 7, 7, 8, 8, 9, 9, 10, 10]]),
    },
    strategies: NO_FC,
  };
  const languages: CollabConfig = {
    ...base(pick([4, 40, 300]), 0.5),
    setting: {
      kind: 'languages', families: pick([['romance', 'germanic'], ['romance', 'germanic', 'slavic'], ['romance', 'germanic', 'slavic']]),
      per_family: pick([1, 2, 3]), train_bytes: 3000, test_bytes: pick([300, 1000, 2000]), seq_len: pick([32, 64, 64]), batch: pick([2, 4, 8]),
      hidden: pick([32, undefined, undefined]), layers: pick([1, undefined, undefined]),
    },
    strategies: LM,
  };
  languages.cobo = { ...languages.cobo, domain: 'simplex', rho: 0.1, gamma: 0.1 };
  return { cross_silo: crossSilo, cross_device: crossDevice, languages };
}
