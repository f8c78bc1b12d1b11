/**
 * HF folders without Python: what saveHf writes, exact round trips (float32, sharded), and the
 * errors of loading a checkpoint that does not fit the config.
 */
import assert from 'node:assert/strict';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Checkpoint } from '../../src/hf/checkpoint.js';
import { checkpointEntries, loadHf, loadModel, loadWeights, saveHf } from '../../src/hf/model-io.js';
import { writeSafetensors } from '../../src/hf/safetensors.js';
import { Apertus, preset } from '../../src/model/index.js';
import { tempDir } from '../helpers/corpus.js';

describe('HF model folders', () => {
  let dir: string;
  let model: Apertus;
  before(async () => {
    dir = await tempDir('apertus-io-');
    model = new Apertus(preset('tiny'), { seed: 5 });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('saveHf writes weights, config, generation config and the tokenizer; loadHf gives the same tensors', async () => {
    await writeFile(join(dir, 'tok.json'), '{"model": {}}');
    const out = join(dir, 'hf');
    const files = await saveHf(model, out, { tokenizerJson: join(dir, 'tok.json'), generation: { temperature: 0.8 } });
    assert.deepEqual(files, ['model.safetensors', 'config.json', 'generation_config.json', 'tokenizer.json']);
    assert.deepEqual((await readdir(out)).sort(), [...files].sort());
    assert.equal(await readFile(join(out, 'tokenizer.json'), 'utf8'), '{"model": {}}');
    assert.equal(JSON.parse(await readFile(join(out, 'generation_config.json'), 'utf8')).temperature, 0.8);
    const ckpt = await Checkpoint.open(out);
    assert.deepEqual(ckpt.info('model.layers.1.mlp.act_fn.beta').shape, []);
    assert.deepEqual(ckpt.info('model.layers.1.mlp.act_fn.alpha_n').shape, [1]);
    assert.equal(ckpt.names().length, model.parameters().length + 2 * model.config.numLayers);
    await ckpt.close();
    const back = await loadHf(out);
    for (const p of model.parameters()) assert.deepEqual(back.parameter(p.name).data, p.tensor.data, p.name);
    const sharded = join(dir, 'sharded');
    const shardFiles = await saveHf(model, sharded, { maxShardBytes: 50_000 });
    assert.ok(shardFiles.includes('model.safetensors.index.json'));
    const fromShards = await loadModel(sharded);
    for (const p of model.parameters()) assert.deepEqual(fromShards.parameter(p.name).data, p.tensor.data, p.name);
  });

  it('loading errors: missing tensors, wrong shapes, foreign xIELU constants, unused tensors warn', async () => {
    const entries = checkpointEntries(model);
    const write = async (name: string, list: typeof entries) => {
      await writeSafetensors(join(dir, name), list);
      return join(dir, name);
    };
    const missing = await write('missing.safetensors', entries.filter((e) => e.name !== 'lm_head.weight'));
    await assert.rejects(loadWeights(model.config, missing), /lacks 1 tensors of this model, e.g. lm_head.weight/);
    const wrong = await write('wrong.safetensors', entries.map((e) => (e.name === 'model.norm.weight' ? { ...e, shape: [2, 32] } : e)));
    await assert.rejects(loadWeights(model.config, wrong), /"model.norm.weight" is \[2,32\], the config needs \[64\]/);
    const beta = await write('beta.safetensors', entries.map((e) => (e.name.endsWith('0.mlp.act_fn.beta') ? { ...e, data: Float32Array.of(0.25) } : e)));
    await assert.rejects(loadWeights(model.config, beta), /act_fn.beta is 0.25; this engine computes xIELU with beta = 0.5/);
    const extra = await write('extra.safetensors', [...entries, { name: 'model.rotary_emb.inv_freq', dtype: 'F32', shape: [2], data: Float32Array.of(1, 2) }]);
    const warnings: string[] = [];
    await loadWeights(model.config, extra, { onWarning: (w) => warnings.push(w) });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /1 tensors not used, e.g. model.rotary_emb.inv_freq/);
    await assert.rejects(loadModel(missing), /neither an HF folder \(no config.json\) nor an apertus checkpoint/);
  });
});
