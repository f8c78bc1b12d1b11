import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildSetting, parseCollabConfig, runComparison } from '../../src/collab/index.js';
import { languageCorpus } from '../../src/collab/data/settings.js';
import { udhrParagraphs } from '../../src/collab/data/udhr.js';
import { coboSettings, runCoboExperiment } from '../../src/experiments/cobo.js';
import { trialConfig, tuneCobo, tuneTable } from '../../src/experiments/cobo-tune.js';

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

test('a validation split: as many rows as the test set, none of them a test row or any client\'s training row', () => {
  const options = { kind: 'cross_device' as const, clients: 6, clusters: 2, classes: 10, features: 32, trainFraction: 0.3, hidden: 8, batch: 8, seed: 2 };
  const onTest = buildSetting(options);
  const onValidation = buildSetting({ ...options, evaluateOn: 'validation' });
  const rows = (x: Float32Array, F: number) => Array.from({ length: x.length / F }, (_, r) => x.subarray(r * F, (r + 1) * F).join(','));
  // segments whose text occurs twice in a language's pool give equal rows: those cannot tell
  const seen = new Map<string, number>();
  for (const pool of languageCorpus(10, 32, 2).train) for (const r of rows(pool, 32)) seen.set(r, (seen.get(r) ?? 0) + 1);
  for (const [k, c] of onValidation.clients.entries()) {
    const d = c.data, t = onTest.clients[k]!.data;
    assert.ok(d.kind === 'classification' && t.kind === 'classification');
    assert.deepEqual(d.train, t.train, 'training data is the same');
    assert.equal(d.test.y.length, t.test.y.length);
    const held = new Set([...rows(t.test.x, 32), ...onTest.clients.flatMap((o) => (o.data.kind === 'classification' ? rows(o.data.train.x, 32) : []))]);
    assert.ok(rows(d.test.x, 32).every((r) => !held.has(r) || seen.get(r)! > 1), `client ${c.name}: validation rows overlap`);
  }
});

test('experiment cobo-tune: every grid point is a trial on validation data, and the selection follows the rule', async () => {
  const grid = { lr: [0.1, 0.3], dittoLambda: [0.01, 1], finetuneFraction: [0.2], coboStep: [12, 75], coboRho: [0.05] };
  const r = await tuneCobo({ setting: 'cross_device', preset: 'test', grid });
  const strategies = coboSettings('test').cross_device.strategies;
  assert.equal(r.trials.length, 2 * (strategies.length + 1 + 1));
  for (const s of strategies) {
    const best = r.trials.filter((t) => t.strategy === s).reduce((a, b) => (b.validation > a.validation ? b : a));
    assert.deepEqual(r.selected[s], { lr: best.lr, params: best.params, validation: best.validation }, s);
  }
  const cobo = r.trials.filter((t) => t.strategy === 'cobo' && t.lr === 0.1);
  assert.notEqual(cobo[0]!.validation, cobo[1]!.validation, 'the W step matters');
  // trials are evaluated on validation rows, not on the test set
  const trial = trialConfig(coboSettings('test').cross_device, 'local', 0.1, {});
  assert.equal(trial.setting.kind !== 'languages' && trial.setting.evaluate_on, 'validation');
  const onTest = await runComparison({ ...trial, setting: { ...trial.setting, evaluate_on: 'test' } as typeof trial.setting });
  assert.notEqual(onTest.summary.strategies.local!.mean, r.trials.find((t) => t.strategy === 'local' && t.lr === 0.1)!.validation);
  assert.match(tuneTable(r), /Selected \(validation %\): local lr/);
});

test('training.lr_by_strategy gives one strategy its own learning rate', async () => {
  const base = parseCollabConfig(CONFIG.replace('[local, fedavg, fedavg_ft, ditto, ifca, fc, oracle, cobo]', '[local, fedavg]'), 'sim.yaml');
  const own = parseCollabConfig(CONFIG.replace('[local, fedavg, fedavg_ft, ditto, ifca, fc, oracle, cobo]', '[local, fedavg]')
    .replace('training: {lr: 0.2}', 'training: {lr: 0.2, lr_by_strategy: {local: 0.05}}'), 'sim.yaml');
  const [a, b] = [await runComparison(base), await runComparison(own)];
  assert.notDeepEqual(a.summary.strategies.local!.clients, b.summary.strategies.local!.clients);
  assert.deepEqual(a.summary.strategies.fedavg!.clients, b.summary.strategies.fedavg!.clients);
  assert.throws(() => parseCollabConfig(CONFIG.replace('training: {lr: 0.2}', 'training: {lr: 0.2, lr_by_strategy: {lcoal: 0.1}}'), 'sim.yaml'), /lr_by_strategy/);
});

test('a validation text for language models: the bytes right after the training text, before the test text', () => {
  const options = { kind: 'languages' as const, families: ['romance'], perFamily: 2, trainBytes: 3000, testBytes: 1000, seqLen: 32, batch: 2, seed: 0 };
  const onTest = buildSetting(options), onValidation = buildSetting({ ...options, evaluateOn: 'validation' });
  for (const [k, c] of onValidation.clients.entries()) {
    const d = c.data, t = onTest.clients[k]!.data;
    assert.ok(d.kind === 'text' && t.kind === 'text');
    assert.deepEqual(d.train, t.train);
    assert.equal(d.test.length, 1000);
    assert.notDeepEqual(d.test, t.test);
    const text = Buffer.concat([Buffer.from(t.train), Buffer.from(d.test)]);
    assert.ok(text.equals(Buffer.from(new TextEncoder().encode(udhrParagraphs(c.name).join('\n')).subarray(0, 4000))), c.name);
  }
});

test('experiment cobo-tune on language models picks the lowest validation perplexity', async () => {
  const grid = { lr: [0.1, 0.5], dittoLambda: [0.1], finetuneFraction: [0.2], coboGamma: [0.05], coboPull: [0.001, 0.01] };
  const r = await tuneCobo({ setting: 'languages', preset: 'test', grid });
  for (const s of coboSettings('test').languages.strategies) {
    const best = r.trials.filter((t) => t.strategy === s).reduce((a, b) => (b.validation < a.validation ? b : a));
    assert.equal(r.selected[s]!.validation, best.validation, s);
  }
  const cobo = r.trials.filter((t) => t.strategy === 'cobo' && t.lr === 0.1);
  assert.deepEqual(cobo.map((t) => t.params), [{ gamma: 0.05, pull: 0.001 }, { gamma: 0.05, pull: 0.01 }]);
  assert.match(tuneTable(r), /validation perplexity/);
});
