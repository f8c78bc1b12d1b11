/**
 * The training loop on a tiny model and synthetic shards: the loss falls, a run stopped and
 * resumed from its checkpoint ends with the same weights bit for bit as one that never stopped,
 * checkpoints are pruned to the newest K, metrics after the checkpoint are rewritten, NaN steps
 * are skipped and counted and repeated ones stop the run with a clear error, and a config with a
 * bad field names it.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadModel, SafetensorsReader, writeSafetensors } from '../../src/hf/index.js';
import { ShardWriter } from '../../src/tokenizer/shards/index.js';
import { latestCheckpoint, modelFolder } from '../../src/train/checkpoint.js';
import { parseTrainConfig, resolveModelConfig, type TrainConfig } from '../../src/train/train-config.js';
import { METRICS_FILE, train } from '../../src/train/trainer.js';
import { seeded, tempDir } from '../helpers/corpus.js';

const VOCAB = 64;

/** 60 documents of a few repeated "sentences" of ids, so a model can learn something. */
async function writeCorpus(prefix: string): Promise<void> {
  const random = seeded(5);
  const sentences = Array.from({ length: 6 }, (_, s) => Array.from({ length: 8 + s }, (_, i) => 4 + ((s * 7 + i * 3) % (VOCAB - 4))));
  const writer = await ShardWriter.create(prefix, 'uint16');
  for (let d = 0; d < 60; d++) {
    const doc: number[] = [];
    for (let k = 0; k < 3; k++) doc.push(...sentences[Math.floor(random() * sentences.length)]!);
    doc.push(2);
    await writer.addDocument(doc);
  }
  await writer.commit();
}

function yaml(shards: string, training: string, extra = ''): string {
  return `model: { vocab_size: ${VOCAB}, hidden_size: 32, intermediate_size: 64, num_layers: 2, num_heads: 4, num_kv_heads: 2, max_positions: 64 }
data: { context: 24, batch_size: 4, validation_fraction: 0.1, datasets: [{ name: syn, paths: [${shards}] }] }
goldfish: { k: 4, h: 3 }
schedule: { kind: wsd, lr: 1.0e-2, warmup_steps: 2 }
training: { ${training} }
${extra}`;
}

async function setup(training: string, extra = ''): Promise<{ dir: string; config: TrainConfig }> {
  const dir = await tempDir('trainer');
  await writeCorpus(join(dir, 'syn'));
  return { dir, config: parseTrainConfig(yaml(join(dir, 'syn'), training, extra), 'train.yaml', dir) };
}

const weights = async (run: string) => (await loadModel(await modelFolder(run))).parameters().map((p) => Buffer.from(p.tensor.data.buffer));

describe('trainer', () => {
  it('lowers the loss, checkpoints atomically, keeps the newest K, logs metrics and Goldfish rates', async () => {
    const { dir, config } = await setup('steps: 12, checkpoint_every: 3, keep_checkpoints: 2, eval_every: 6, eval_batches: 2');
    const run = join(dir, 'run');
    const result = await train(config, resolveModelConfig(config), run);
    assert.equal(result.steps, 12);
    assert.equal(result.interrupted, false);
    const names = (await readdir(join(run, 'checkpoints'))).sort();
    assert.deepEqual(names, ['latest', 'step-00000009', 'step-00000012']);
    assert.equal(await latestCheckpoint(run), join(run, 'checkpoints', 'step-00000012'));
    const lines = (await readFile(join(run, METRICS_FILE), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    const steps = lines.filter((l) => 'loss' in l);
    assert.equal(steps.length, 12);
    assert.ok(steps.at(-1)!.loss < steps[0]!.loss - 0.5, `loss ${steps[0]!.loss} -> ${steps.at(-1)!.loss}`);
    const rate = steps.reduce((s, l) => s + l.goldfish_rate!, 0) / steps.length;
    assert.ok(rate > 0.1 && rate < 0.4, `Goldfish k=4 drops about a quarter of the eligible targets, got ${rate}`);
    assert.deepEqual(lines.filter((l) => 'val_loss' in l).map((l) => l.step), [6, 12]);
    // the checkpoint loads as a model with the trained weights
    const model = await loadModel(await modelFolder(run));
    assert.deepEqual(model.parameters().map((p) => Buffer.from(p.tensor.data.buffer)), result.model.parameters().map((p) => Buffer.from(p.tensor.data.buffer)));
    await assert.rejects(train(config, resolveModelConfig(config), run), /already has checkpoints .* pass --resume/);
  });

  it('a run stopped and resumed ends with the same weights, bit for bit, and the same metrics', async () => {
    for (const optimizer of ['ademamix', 'adamw']) {
      const { dir, config } = await setup('steps: 10, checkpoint_every: 4, gradient_accumulation: 2', `optimizer: { name: ${optimizer} }`);
      const whole = join(dir, 'whole'), parts = join(dir, 'parts');
      await train(config, resolveModelConfig(config), whole);
      const first = await train(config, resolveModelConfig(config), parts, { stopAfter: 6 });
      assert.equal(first.interrupted, true);
      assert.equal(first.checkpoint, join(parts, 'checkpoints', 'step-00000006'));
      // a crash after the checkpoint leaves metrics lines beyond it: the resumed run rewrites them
      const resumed = await train(config, resolveModelConfig(config), parts, { resume: true });
      assert.equal(resumed.steps, 10);
      assert.deepEqual(await weights(parts), await weights(whole), optimizer);
      const metrics = async (run: string) => (await readFile(join(run, METRICS_FILE), 'utf8')).trim().split('\n')
        .map((l) => JSON.parse(l) as Record<string, number>).map(({ tokens_per_s: _, ...rest }) => rest);
      assert.deepEqual(await metrics(parts), await metrics(whole));
    }
  });

  it('an aborted run checkpoints where it stopped', async () => {
    const { dir, config } = await setup('steps: 20');
    const controller = new AbortController();
    const result = await train(config, resolveModelConfig(config), join(dir, 'run'), {
      signal: controller.signal, onStep: (m) => { if (m.step === 3) controller.abort(); },
    });
    assert.equal(result.steps, 3);
    assert.ok(existsSync(join(dir, 'run', 'checkpoints', 'step-00000003', 'optimizer.safetensors')));
  });

  it('skips steps with a NaN loss, counts them, and stops after max_bad_steps in a row', async () => {
    const { dir, config } = await setup('steps: 10, max_bad_steps: 3');
    const run = join(dir, 'run');
    await train(config, resolveModelConfig(config), run);
    // poison the checkpoint's output layer, then continue the run for ten more steps
    const file = join((await latestCheckpoint(run))!, 'model.safetensors');
    const reader = await SafetensorsReader.open(file);
    const entries = [];
    for (const name of reader.names()) {
      const data = await reader.readFloats(name);
      if (name === 'lm_head.weight') data.fill(NaN);
      entries.push({ name, dtype: 'F32' as const, shape: reader.info(name).shape, data });
    }
    const metadata = { ...reader.metadata };
    await reader.close();
    await writeSafetensors(file, entries, metadata);
    const more = { ...config, training: { ...config.training, steps: 20 } };
    await assert.rejects(train(more, resolveModelConfig(more), run, { resume: true }),
      /stopped at step 13: 3 steps in a row had a NaN\/Inf loss or gradient/);
    const lines = (await readFile(join(run, METRICS_FILE), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { step: number; skipped?: boolean });
    assert.deepEqual(lines.filter((l) => l.skipped).map((l) => l.step), [11, 12]);
  });

  it('config errors name the field and the line', async () => {
    const dir = await tempDir('trainer-config');
    assert.throws(() => parseTrainConfig(yaml('x', 'steps: 0'), 'train.yaml', dir), /train\.yaml:\d+:\d+: training\.steps/);
    assert.throws(() => parseTrainConfig(yaml('x', 'steps: 3, gradient_accumulation: 3'), 'train.yaml', dir),
      /training\.gradient_accumulation: must divide data\.batch_size \(4\)/);
    assert.throws(() => parseTrainConfig(yaml('x', 'steps: 3', 'optimizer: { name: sgd }'), 'train.yaml', dir), /optimizer\.name/);
  });
});
