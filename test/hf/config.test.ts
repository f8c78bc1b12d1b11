/**
 * config.json <-> ModelConfig: round trip, old-style (rope_theta + rope_scaling, transformers 4.x)
 * and new-style (rope_parameters) configs, the no-RoPE-fields fallback, errors naming the field,
 * generation_config.json.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHfConfig, toGenerationConfig, toHfConfig } from '../../src/hf/config.js';
import { preset } from '../../src/model/index.js';

// The shape of Apertus-8B's published config.json (transformers 4.56 style).
const OLD_STYLE = {
  architectures: ['ApertusForCausalLM'], attention_bias: false, attention_dropout: 0.0, bos_token_id: 1, eos_token_id: 68,
  hidden_act: 'xielu', hidden_size: 4096, initializer_range: 0.02, intermediate_size: 21504, max_position_embeddings: 65536,
  mlp_bias: false, model_type: 'apertus', num_attention_heads: 32, num_hidden_layers: 32, num_key_value_heads: 8,
  pad_token_id: 3, post_norm: false, qk_norm: true, rms_norm_eps: 1e-5,
  rope_scaling: { factor: 8.0, high_freq_factor: 4.0, low_freq_factor: 1.0, original_max_position_embeddings: 8192, rope_type: 'llama3' },
  rope_theta: 12000000, tie_word_embeddings: false, torch_dtype: 'bfloat16', transformers_version: '4.56.0.dev0',
  use_cache: true, vocab_size: 131072,
};

describe('HF config.json', () => {
  it('round trip: ours -> config.json -> ours, plain and llama3 RoPE', () => {
    for (const config of [preset('tiny'), preset('8b'), preset('small', { ropeTheta: 10000, headDim: 32 })]) {
      const json = toHfConfig(config, 'bfloat16');
      const back = fromHfConfig(JSON.parse(JSON.stringify(json)));
      assert.deepEqual(back.config, config);
      assert.deepEqual(back.warnings, []);
    }
    const json = toHfConfig(preset('tiny'));
    assert.deepEqual(json.rope_parameters, { rope_type: 'default', rope_theta: 500000 });
    assert.deepEqual(json.rope_scaling, json.rope_parameters);
    assert.equal(json.model_type, 'apertus');
    assert.deepEqual(json.architectures, ['ApertusForCausalLM']);
    assert.equal(json.hidden_act, 'xielu');
    assert.equal(json.tie_word_embeddings, false);
  });

  it('reads the old style (rope_theta + rope_scaling) as the 8b preset', () => {
    const { config, warnings } = fromHfConfig(OLD_STYLE);
    assert.deepEqual(config, preset('8b', { eosId: 68 }));
    assert.deepEqual(warnings, []);
  });

  it('reads the new style; rope_scaling wins over rope_parameters as in transformers 5', () => {
    const base = { ...OLD_STYLE, rope_scaling: undefined, rope_theta: undefined };
    const a = fromHfConfig({ ...base, rope_parameters: { rope_type: 'default', rope_theta: 1000 } }).config;
    assert.equal(a.ropeTheta, 1000);
    assert.equal(a.ropeScaling, null);
    const b = fromHfConfig({ ...base, rope_parameters: { rope_type: 'default', rope_theta: 1000 }, rope_scaling: { type: 'default', rope_theta: 7 } }).config;
    assert.equal(b.ropeTheta, 7);
    // llama3 without original_max_position_embeddings takes max_position_embeddings (transformers' standardisation)
    const c = fromHfConfig({ ...base, rope_parameters: { rope_type: 'llama3', rope_theta: 5e5, factor: 4, low_freq_factor: 1, high_freq_factor: 4 } }).config;
    assert.deepEqual(c.ropeScaling, { factor: 4, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 65536 });
    assert.equal(fromHfConfig({ ...base, rope_parameters: null, rope_scaling: { rope_type: 'default' }, rope_theta: 3 }).config.ropeTheta, 3);
  });

  it('no RoPE fields at all: the Apertus fallback (llama3, theta 12M), with a warning', () => {
    const base = { ...OLD_STYLE, rope_scaling: undefined, rope_theta: undefined };
    const { config, warnings } = fromHfConfig(base, 'x/config.json');
    assert.equal(config.ropeTheta, 12000000);
    assert.deepEqual(config.ropeScaling, { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /^x\/config.json: no rope_parameters or rope_scaling/);
  });

  it('errors name the file and the field', () => {
    const bad = (patch: Record<string, unknown>) => () => fromHfConfig({ ...OLD_STYLE, ...patch }, 'm/config.json');
    assert.throws(bad({ num_attention_heads: '32' }), /m\/config.json: num_attention_heads: expected number/);
    assert.throws(bad({ hidden_size: undefined }), /m\/config.json: hidden_size:/);
    assert.throws(bad({ tie_word_embeddings: true }), /tie_word_embeddings: tied embeddings are not supported/);
    assert.throws(bad({ hidden_act: 'gelu' }), /hidden_act:/);
    assert.throws(bad({ model_type: 'llama' }), /model_type:/);
    assert.throws(bad({ rope_scaling: { rope_type: 'yarn', factor: 2 } }), /rope_type: "yarn" is not supported/);
    assert.throws(bad({ rope_scaling: { rope_type: 'llama3', factor: 2 } }), /llama3 needs low_freq_factor, high_freq_factor/);
    assert.throws(bad({ num_key_value_heads: 5 }), /numKvHeads: numHeads 32 must be a multiple of numKvHeads 5/);
  });

  it('eos lists take the first id; generation_config.json carries the ids and sampling defaults', () => {
    const { config, warnings } = fromHfConfig({ ...OLD_STYLE, eos_token_id: [2, 68] });
    assert.equal(config.eosId, 2);
    assert.match(warnings[0], /several eos_token_id/);
    assert.deepEqual(toGenerationConfig(preset('tiny'), { temperature: 0.7, topP: 0.9, doSample: true }), {
      bos_token_id: 1, eos_token_id: 2, pad_token_id: 3, do_sample: true, temperature: 0.7, top_p: 0.9,
    });
  });
});
