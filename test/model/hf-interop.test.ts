/**
 * Interop with transformers' ApertusForCausalLM (Python, one run for the whole file):
 * (a) our tiny random model, exported (float32, llama3 RoPE; also bf16 and sharded), loads with
 *     AutoModelForCausalLM.from_pretrained and gives our logits and our greedy continuation;
 * (b) tiny models made and saved by transformers (float32, bfloat16, sharded; its default
 *     llama3 RoPE, and plain RoPE) load here and give its logits.
 */
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadHf, loadModel, saveHf, saveModel } from '../../src/hf/model-io.js';
import { Apertus, generate, preset } from '../../src/model/index.js';
import { noGrad } from '../../src/tensor/index.js';
import { tempDir } from '../helpers/corpus.js';
import { pythonWith, runPython } from '../helpers/python.js';

const IDS = [1, 17, 45, 200, 9, 9, 31, 120, 250, 4, 77, 64, 3, 18, 99, 130, 11, 42, 5, 6, 7, 201, 88, 23];
const NEW_TOKENS = 16;

const PROGRAM = String.raw`
import json, sys, torch
from transformers import AutoModelForCausalLM, ApertusConfig, ApertusForCausalLM
work = sys.argv[1]
ids = torch.tensor([json.load(open(f'{work}/ids.json'))])
new_tokens = int(sys.argv[2])
out = {}

def logits(model):
    with torch.no_grad():
        return model(ids).logits[0].reshape(-1).tolist()

# (a) ours -> transformers
for name in ['ours', 'ours-bf16', 'ours-sharded']:
    m = AutoModelForCausalLM.from_pretrained(f'{work}/{name}', dtype=torch.float32).eval()
    out[name] = {'logits': logits(m), 'class': type(m).__name__, 'rope': m.config.rope_parameters,
                 'beta': [float(l.mlp.act_fn.beta) for l in m.model.layers], 'eps': [float(l.mlp.act_fn.eps) for l in m.model.layers]}
    if name == 'ours':
        with torch.no_grad():
            g = m.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False, max_new_tokens=new_tokens, eos_token_id=2, pad_token_id=3)
        out[name]['greedy'] = g[0, ids.shape[1]:].tolist()

# (b) transformers -> ours
torch.manual_seed(0)
config = ApertusConfig(vocab_size=256, hidden_size=64, intermediate_size=160, num_hidden_layers=2, num_attention_heads=4,
                       num_key_value_heads=1, max_position_embeddings=128, initializer_range=0.1)
m = ApertusForCausalLM(config).eval()
with torch.no_grad():  # move the alphas and norms off their init so loading them is tested
    for l in m.model.layers:
        l.mlp.act_fn.alpha_p.add_(torch.randn(1) * 0.3)
        l.mlp.act_fn.alpha_n.add_(torch.randn(1) * 0.3)
        l.self_attn.q_norm.weight.add_(torch.randn(16) * 0.1)
        l.feedforward_layernorm.weight.add_(torch.randn(64) * 0.1)
m.save_pretrained(f'{work}/theirs')
out['theirs'] = logits(m)
m.save_pretrained(f'{work}/theirs-sharded', max_shard_size='100KB')
import os; out['sharded_files'] = sorted(os.listdir(f'{work}/theirs-sharded'))
m.to(torch.bfloat16).save_pretrained(f'{work}/theirs-bf16')
mb = AutoModelForCausalLM.from_pretrained(f'{work}/theirs-bf16', dtype=torch.float32).eval()
out['theirs-bf16'] = logits(mb)
config = ApertusConfig(vocab_size=256, hidden_size=48, intermediate_size=96, num_hidden_layers=1, num_attention_heads=3,
                       num_key_value_heads=3, initializer_range=0.1,
                       rope_parameters={'rope_type': 'default', 'rope_theta': 10000.0})
m = ApertusForCausalLM(config).eval()
m.save_pretrained(f'{work}/theirs-default-rope')
out['theirs-default-rope'] = logits(m)
json.dump(out, open(f'{work}/py.json', 'w'))
`;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'same number of logits');
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

function logitsOf(model: Apertus): Float32Array | Float64Array {
  return noGrad(() => model.forward(Int32Array.from(IDS)).data.slice());
}

describe('transformers interop (ApertusForCausalLM)', () => {
  let dir: string;
  let py: Record<string, any> | undefined;
  let ours: Apertus;
  let skip: string | undefined;

  before(async () => {
    dir = await tempDir('apertus-hf-');
    const python = await pythonWith(['torch', 'transformers', 'safetensors', 'numpy']);
    if (!python) {
      skip = 'no Python with torch and transformers';
      return;
    }
    // larger init than 0.02 so that logits, attention patterns and the MLP are far from trivial
    ours = new Apertus(preset('tiny', {
      initializerRange: 0.15,
      ropeScaling: { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 16 },
    }), { seed: 11 });
    ours.layers[1].mlp.alphaP.data[0] += 0.4;
    ours.layers[0].mlp.alphaN.data[0] -= 0.3;
    await saveHf(ours, join(dir, 'ours'));
    await saveHf(ours, join(dir, 'ours-bf16'), { dtype: 'bfloat16' });
    await saveHf(ours, join(dir, 'ours-sharded'), { maxShardBytes: 60_000 });
    await writeFile(join(dir, 'ids.json'), JSON.stringify(IDS));
    await runPython(python, PROGRAM, [dir, String(NEW_TOKENS)]);
    py = JSON.parse(await readFile(join(dir, 'py.json'), 'utf8'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('(a) our export loads in transformers with our logits (max abs diff < 1e-4), rope and xIELU constants', (t) => {
    if (skip) return t.skip(skip);
    const mine = logitsOf(ours);
    assert.equal(py!.ours.class, 'ApertusForCausalLM');
    assert.deepEqual(py!.ours.rope, {
      rope_type: 'llama3', rope_theta: 500000, factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 16,
    });
    assert.deepEqual(py!.ours.beta, [0.5, 0.5]);
    assert.deepEqual(py!.ours.eps, [Math.fround(-1e-6), Math.fround(-1e-6)]);
    const diff = maxAbsDiff(mine, py!.ours.logits);
    assert.ok(diff < 1e-4, `max abs diff ${diff}`);
    assert.ok(maxAbsDiff(mine, py!['ours-sharded'].logits) < 1e-4, 'sharded export');
  });

  it('(a) greedy continuation equals transformers generate(do_sample=False)', (t) => {
    if (skip) return t.skip(skip);
    const mine = generate(ours, IDS, { maxNewTokens: NEW_TOKENS, greedy: true });
    assert.deepEqual(Array.from(mine), py!.ours.greedy);
  });

  it('(a) bf16 export: transformers and our loader read the same rounded weights', async (t) => {
    if (skip) return t.skip(skip);
    const back = await loadHf(join(dir, 'ours-bf16'));
    const diff = maxAbsDiff(logitsOf(back), py!['ours-bf16'].logits);
    assert.ok(diff < 1e-4, `max abs diff ${diff}`);
    assert.ok(maxAbsDiff(logitsOf(back), logitsOf(ours)) > 0, 'bf16 really rounded');
  });

  it('(b) models saved by transformers (f32, sharded, bf16, plain RoPE) load here with its logits', async (t) => {
    if (skip) return t.skip(skip);
    const warnings: string[] = [];
    for (const name of ['theirs', 'theirs-sharded', 'theirs-bf16', 'theirs-default-rope']) {
      const model = await loadHf(join(dir, name), { onWarning: (w) => warnings.push(w) });
      const diff = maxAbsDiff(logitsOf(model), py![name === 'theirs-sharded' ? 'theirs' : name]);
      assert.ok(diff < 1e-4, `${name}: max abs diff ${diff}`);
    }
    assert.ok(py!.sharded_files.includes('model.safetensors.index.json'), py!.sharded_files.join(' '));
    const theirs = await loadHf(join(dir, 'theirs'));
    assert.equal(theirs.config.numKvHeads, 1);
    assert.deepEqual(theirs.config.ropeScaling, { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 });
    assert.equal(theirs.config.ropeTheta, 12000000);
    assert.deepEqual(warnings, []);
  });

  it('our own checkpoint file and loadModel (HF folder or checkpoint) give the same model', async (t) => {
    if (skip) return t.skip(skip);
    const file = join(dir, 'ours.safetensors');
    await saveModel(ours, file, { step: '12' });
    const fromFile = await loadModel(file);
    assert.deepEqual(fromFile.config, ours.config);
    assert.deepEqual(logitsOf(fromFile), logitsOf(ours));
    assert.deepEqual(logitsOf(await loadModel(join(dir, 'ours'))), logitsOf(ours));
    const f64 = await loadModel(file, { dtype: 'float64' });
    assert.ok(maxAbsDiff(logitsOf(f64), logitsOf(ours)) < 1e-5);
  });
});
