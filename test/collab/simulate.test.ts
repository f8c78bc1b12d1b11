import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseCollabConfig, runComparison } from '../../src/collab/index.js';
import { languageCorpus } from '../../src/collab/data/settings.js';
import { runCoboExperiment } from '../../src/experiments/cobo.js';

const CONFIG = `
setting: {kind: cross_device, clients: 6, clusters: 2, classes: 10, features: 32, hidden: 8, batch: 8, train_fraction: 0.5}
seed: 2
rounds: 10
eval_every: 5
w_every: 5
threads: 1
strategies: [local, fedavg, fedavg_ft, ditto, ifca, fc, oracle, cobo]
training: {lr: 0.2}
membership: [{round: 3, leave: [1]}, {round: 6, join: [1]}]
`;

test('simulation: every strategy runs, the same seed gives the same numbers, clients leave and rejoin', async () => {
  const config = parseCollabConfig(CONFIG, 'sim.yaml');
  let activeAt4 = 0;
  const a = await runComparison(config, { onRound: (round, info) => { if (round === 4) activeAt4 = info.active; } });
  const b = await runComparison(config);
  assert.equal(activeAt4, 5);
  assert.deepEqual(Object.keys(a.summary.strategies), config.strategies);
  for (const name of config.strategies) {
    assert.deepEqual(a.summary.strategies[name]!.clients, b.summary.strategies[name]!.clients, name);
    assert.ok(a.summary.strategies[name]!.clients.every((m) => m >= 0 && m <= 1), name);
  }
  assert.equal(a.summary.w_recovery.length, 2);
});

test('config errors name the field', () => {
  assert.throws(() => parseCollabConfig(CONFIG.replace('rounds: 10', 'rounds: -1'), 'sim.yaml'), /sim.yaml:\d+:\d+: rounds/);
  assert.throws(() => parseCollabConfig(CONFIG.replace('[local,', '[locale,'), 'sim.yaml'), /strategies\[0\]/);
});

test('experiment cobo --preset test writes results.json in the documented shape', async () => {
  const out = await mkdtemp(join(tmpdir(), 'cobo-exp-'));
  try {
    await runCoboExperiment({ preset: 'test', out });
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
    assert.deepEqual(Object.keys(results.settings), ['cross_silo', 'cross_device', 'languages']);
    assert.equal(results.settings.cross_silo.metric, 'accuracy');
    assert.equal(results.settings.languages.metric, 'perplexity');
    for (const s of ['local', 'fedavg', 'fedavg_ft', 'ditto', 'ifca', 'fc', 'oracle', 'cobo']) {
      assert.equal(typeof results.settings.cross_silo.strategies[s].mean, 'number', s);
    }
    assert.equal(results.settings.cross_silo.strategies.local.beat_local, null);
    assert.ok(results.settings.cross_silo.w_recovery.length > 0);
    assert.ok(results.settings.languages.strategies.cobo.mean > 1);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});

test('standardized features: every feature has mean 0 and variance 1 over the training pool', () => {
  const corpus = languageCorpus(6, 16, 3, 30, true);
  const F = corpus.F;
  for (let f = 0; f < F; f++) {
    let n = 0, sum = 0, sq = 0;
    for (const rows of corpus.train) for (let o = f; o < rows.length; o += F) { n++; sum += rows[o]; sq += rows[o] * rows[o]; }
    assert.ok(Math.abs(sum / n) < 1e-4, `feature ${f} mean ${sum / n}`);
    assert.ok(Math.abs(sq / n - 1) < 1e-3, `feature ${f} variance ${sq / n}`);
  }
  // Shorter segments: more examples from the same text; the raw features are all non-negative.
  const long = languageCorpus(6, 16, 3);
  assert.ok(corpus.train[0].length > 1.5 * long.train[0].length);
  assert.ok(long.train.every((rows) => rows.every((v) => v >= 0)));
});
