/**
 * The Apertus model on its own: document masking, gradients of the whole model against finite
 * differences (float64), the KV-cache generation path against the full forward, sampling,
 * parameter names and weight-decay flags, configs and presets, and the memory estimate.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Apertus, argmax, forwardCached, generate, KVCache, modelConfig, parameterCount, preset, sample, trainingMemory, uniform,
} from '../../src/model/index.js';
import { backward, noGrad, pool, step } from '../../src/tensor/index.js';
import { gradcheck } from '../helpers/gradcheck.js';

const MICRO = { vocabSize: 32, hiddenSize: 16, intermediateSize: 24, numLayers: 2, numHeads: 4, numKvHeads: 2, maxPositions: 64, initializerRange: 0.3 };

function randomIds(n: number, vocab: number, seed: number): Int32Array {
  const next = uniform(seed);
  return Int32Array.from({ length: n }, () => Math.floor(next() * vocab));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('Apertus model', () => {
  it('document masking: two packed documents give the logits of each run alone', () => {
    const model = new Apertus(preset('tiny', { initializerRange: 0.1 }), { seed: 2 });
    const V = model.config.vocabSize;
    const a = randomIds(7, V, 1), b = randomIds(9, V, 2);
    const packed = Int32Array.from([...a, ...b]);
    const docIds = Int32Array.from([...a].map(() => 5).concat([...b].map(() => 6)));
    noGrad(() => {
      const together = model.forward(packed, { docIds }).data;
      const alone = [...model.forward(a).data, ...model.forward(b).data];
      assert.ok(maxAbsDiff(together, alone) < 1e-5, `diff ${maxAbsDiff(together, alone)}`);
      // without the mask the second document sees the first: different logits
      assert.ok(maxAbsDiff(model.forward(packed).data, alone) > 1e-3);
      // two rows in a batch, documents at different offsets
      const rows = Int32Array.from([...packed, ...b, ...a]);
      const rowDocs = Int32Array.from([...docIds, ...[...b].map(() => 0), ...[...a].map(() => 1)]);
      const batched = model.forward(rows, { batchSize: 2, docIds: rowDocs }).data;
      assert.ok(maxAbsDiff(batched, [...alone, ...model.forward(b).data, ...model.forward(a).data]) < 1e-5);
    });
  });

  it('gradients of the whole model (float64) match finite differences', () => {
    const model = new Apertus(MICRO, { dtype: 'float64', seed: 4 });
    const B = 2, T = 6;
    const ids = randomIds(B * T, MICRO.vocabSize, 5);
    const targets = randomIds(B * T, MICRO.vocabSize, 6);
    targets[3] = -1;
    const lossMask = Uint8Array.from({ length: B * T }, (_, i) => (i % 5 === 4 ? 0 : 1));
    const docIds = Int32Array.from([0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    const l0 = model.layers[0], l1 = model.layers[1];
    const checked = [l0.selfAttn.qNorm, l0.selfAttn.kProj, l1.mlp.alphaP, l1.mlp.alphaN, l0.mlp.downProj, l1.attentionLayernorm, model.norm];
    const error = gradcheck(() => model.loss(ids, targets, { batchSize: B, docIds, lossMask }), checked);
    assert.ok(error < 1e-6, `relative error ${error}`);
    // the embedding and lm_head through the logits themselves
    const e2 = gradcheck(() => model.forward(ids.subarray(0, T)), [model.embedTokens, model.lmHead, l1.selfAttn.vProj]);
    assert.ok(e2 < 1e-6, `relative error ${e2}`);
  });

  it('KV-cache forward equals the full forward; greedy generation equals argmax of full forwards', () => {
    const model = new Apertus(preset('tiny', { initializerRange: 0.1 }), { seed: 9 });
    const prompt = randomIds(11, model.config.vocabSize, 3);
    const cache = new KVCache(model, 20);
    const prefill = forwardCached(model, cache, prompt.subarray(0, 8));
    const next = forwardCached(model, cache, prompt.subarray(8));
    const V = model.config.vocabSize;
    noGrad(() => {
      const full8 = model.forward(prompt.subarray(0, 8)).data;
      assert.ok(maxAbsDiff(prefill, full8.subarray(7 * V, 8 * V)) < 1e-5);
      const full = model.forward(prompt).data;
      assert.ok(maxAbsDiff(next, full.subarray(10 * V, 11 * V)) < 1e-5);
    });
    const out = generate(model, prompt, { maxNewTokens: 6, greedy: true, stopIds: [] });
    assert.equal(out.length, 6);
    const seq = [...prompt];
    for (const id of out) {
      const logits = noGrad(() => step(() => Array.from(model.forward(Int32Array.from(seq)).data.slice(-V))));
      assert.equal(id, argmax(logits));
      seq.push(id);
    }
  });

  it('sampling: seeded and reproducible, temperature 0 and tiny top-p are greedy, stops at eos', () => {
    const model = new Apertus(preset('tiny', { initializerRange: 0.1 }), { seed: 9 });
    const prompt = [1, 40, 41, 42];
    const a = generate(model, prompt, { maxNewTokens: 8, seed: 7, stopIds: [] });
    assert.deepEqual(generate(model, prompt, { maxNewTokens: 8, seed: 7, stopIds: [] }), a);
    assert.notDeepEqual(generate(model, prompt, { maxNewTokens: 8, seed: 8, stopIds: [] }), a);
    const greedy = generate(model, prompt, { maxNewTokens: 5, greedy: true, stopIds: [] });
    assert.deepEqual(generate(model, prompt, { maxNewTokens: 5, temperature: 0, stopIds: [] }), greedy);
    assert.deepEqual(generate(model, prompt, { maxNewTokens: 5, topP: 1e-9, seed: 3, stopIds: [] }), greedy);
    const stopped = generate(model, prompt, { maxNewTokens: 5, greedy: true, stopIds: [greedy[1]] });
    assert.deepEqual(Array.from(stopped), Array.from(greedy.subarray(0, 2)));
    // top-p keeps the smallest nucleus: with p = 0.6 over probabilities 0.5, 0.3, 0.2 only two tokens appear
    const logits = [Math.log(0.5), Math.log(0.3), Math.log(0.2)];
    const rng = uniform(1), seen = new Set<number>(), counts = [0, 0, 0];
    for (let i = 0; i < 2000; i++) {
      const id = sample(logits, 1, 0.6, rng);
      seen.add(id);
      counts[id]++;
    }
    assert.deepEqual([...seen].sort(), [0, 1]);
    assert.ok(Math.abs(counts[0] / 2000 - 0.625) < 0.04, `p(0) ${counts[0] / 2000}`);
    assert.throws(() => generate(model, [], {}), /prompt is empty/);
  });

  it('parameters: HF names, shapes, no weight decay on norms and xIELU alphas; init scales', () => {
    const model = new Apertus(preset('tiny'), { seed: 1 });
    const params = model.parameters();
    assert.equal(params.length, 2 + 12 * 2 + 1);
    const byName = new Map(params.map((p) => [p.name, p]));
    assert.deepEqual(byName.get('model.layers.1.self_attn.k_proj.weight')!.tensor.shape, [32, 64]);
    assert.deepEqual(byName.get('model.layers.0.self_attn.q_norm.weight')!.tensor.shape, [16]);
    assert.deepEqual(byName.get('model.layers.0.mlp.act_fn.alpha_p')!.tensor.shape, [1]);
    assert.equal(params.reduce((s, p) => s + p.tensor.size, 0), parameterCount(model.config));
    const noDecay = params.filter((p) => !p.weightDecay).map((p) => p.name.replace(/layers\.\d+/, 'layers.N'));
    assert.deepEqual([...new Set(noDecay)].sort(), [
      'model.layers.N.attention_layernorm.weight', 'model.layers.N.feedforward_layernorm.weight',
      'model.layers.N.mlp.act_fn.alpha_n', 'model.layers.N.mlp.act_fn.alpha_p',
      'model.layers.N.self_attn.k_norm.weight', 'model.layers.N.self_attn.q_norm.weight', 'model.norm.weight',
    ]);
    const std = (name: string) => {
      const d = Array.from(model.parameter(name).data);
      return Math.sqrt(d.reduce((s, x) => s + x * x, 0) / d.length);
    };
    assert.ok(Math.abs(std('model.embed_tokens.weight') - 0.02) < 0.001);
    assert.ok(Math.abs(std('model.layers.0.mlp.down_proj.weight') - 0.02 / 2) < 0.001, 'scaled by 1/sqrt(2 L)');
    const softplus = (x: number) => Math.log1p(Math.exp(x));
    assert.ok(Math.abs(softplus(model.layers[0].mlp.alphaP.data[0]) - 0.8) < 1e-6);
    assert.ok(Math.abs(0.5 + softplus(model.layers[0].mlp.alphaN.data[0]) - 0.8) < 1e-6);
    assert.throws(() => model.parameter('model.nope'), /no parameter named "model.nope"/);
  });

  it('loss: masked tokens drop out; a training step lowers it', () => {
    const model = new Apertus(MICRO, { seed: 3 });
    const ids = randomIds(16, 32, 1), targets = randomIds(16, 32, 2);
    const full = noGrad(() => model.loss(ids, targets).item());
    const mask = Uint8Array.from({ length: 16 }, (_, i) => (i < 8 ? 1 : 0));
    const half = noGrad(() => model.loss(ids, targets, { lossMask: mask }).item());
    const firstHalf = noGrad(() => model.loss(ids.subarray(0, 8), targets.subarray(0, 8)).item());
    assert.ok(Math.abs(half - firstHalf) < 1e-5);
    assert.ok(full > 0);
    for (let i = 0; i < 5; i++) {
      step(() => {
        const loss = model.loss(ids, targets);
        backward(loss);
      });
      for (const { tensor } of model.parameters()) {
        for (let j = 0; j < tensor.size; j++) tensor.data[j] -= 0.05 * tensor.grad![j];
        tensor.zeroGrad();
      }
    }
    assert.ok(noGrad(() => model.loss(ids, targets).item()) < full);
  });

  it('config: presets, R8 sizes, errors that name the field', () => {
    const eight = preset('8b');
    assert.equal(eight.headDim, 128);
    // 8.05 B parameters with vocab 131072 (Apertus-8B)
    assert.ok(Math.abs(parameterCount(eight) / 1e9 - 8.053) < 0.01, `${parameterCount(eight)}`);
    assert.ok(Math.abs(parameterCount(preset('70b')) / 1e9 - 70.6) < 0.1, `${parameterCount(preset('70b'))}`);
    assert.equal(preset('tiny', { vocabSize: 300 }).vocabSize, 300);
    assert.throws(() => modelConfig({ ...MICRO, numKvHeads: 3 }), /numKvHeads: numHeads 4 must be a multiple of numKvHeads 3/);
    assert.throws(() => modelConfig({ ...MICRO, hiddenSize: 18 }), /headDim: hiddenSize 18 is not a multiple of numHeads 4/);
    assert.throws(() => modelConfig({ ...MICRO, vocabSize: 2 }), /eosId: eosId 2 is outside the vocabulary/);
    assert.throws(() => modelConfig({ ...MICRO, numLayers: 0 }), /numLayers/);
    assert.throws(() => modelConfig({ ...MICRO, extra: 1 } as never), /Unrecognized key/);
    assert.throws(() => preset('huge' as never), /unknown model preset "huge"/);
  });

  it('memory estimate: matches what a training step really keeps (pool)', () => {
    const config = modelConfig(MICRO);
    const model = new Apertus(config, { seed: 1 });
    const B = 2, T = 32;
    const ids = randomIds(B * T, 32, 1);
    step(() => backward(model.loss(ids, ids, { batchSize: B })));
    pool.clear();
    const before = pool.stats.allocated;
    step(() => backward(model.loss(ids, ids, { batchSize: B })));
    // every buffer the step made went back to the pool: that is its activation memory
    const measured = pool.stats.freeBytes;
    assert.ok(pool.stats.allocated > before);
    const estimate = trainingMemory(config, { batchSize: B, seqLen: T, optimizer: 'adamw' });
    const ratio = (estimate.activations + estimate.activationGradients) / measured;
    assert.ok(ratio > 0.95 && ratio < 1.05, `estimate / measured = ${ratio}`);
    assert.equal(estimate.optimizerStates, 2 * estimate.weights);
    pool.clear();
  });
});
