/**
 * Hugging Face config.json for `ApertusForCausalLM` (R9) <-> our ModelConfig, and
 * generation_config.json.
 *
 * RoPE, the pitfall: transformers 5 reads `rope_parameters` (or, taking precedence, the older
 * `rope_scaling`), and with neither it falls back to llama3 scaling with theta 12M. We always
 * write the rope type explicitly, in `rope_parameters` and, identical, in `rope_scaling` (what
 * transformers 4.x reads), plus the top-level `rope_theta` of 4.x. Reading accepts both styles.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { formatIssues, modelConfig, type ModelConfig } from '../model/index.js';
import type { Llama3Scaling } from '../tensor/index.js';

/** What ApertusConfig falls back to when a config.json names no RoPE parameters at all. */
export const APERTUS_DEFAULT_ROPE = {
  rope_type: 'llama3', rope_theta: 12000000, factor: 8, original_max_position_embeddings: 8192,
  low_freq_factor: 1, high_freq_factor: 4,
} as const;

const int = z.number().int();
const RopeParametersSchema = z
  .object({
    rope_type: z.string().optional(),
    type: z.string().optional(),
    rope_theta: z.number().positive().optional(),
    factor: z.number().positive().optional(),
    low_freq_factor: z.number().positive().optional(),
    high_freq_factor: z.number().positive().optional(),
    original_max_position_embeddings: int.positive().optional(),
  })
  .loose();

/** The fields of config.json we read; others are ignored. */
export const HfConfigSchema = z
  .object({
    model_type: z.literal('apertus').optional(),
    architectures: z.array(z.string()).optional(),
    vocab_size: int.positive(),
    hidden_size: int.positive(),
    intermediate_size: int.positive(),
    num_hidden_layers: int.positive(),
    num_attention_heads: int.positive(),
    num_key_value_heads: int.positive().nullish(),
    head_dim: int.positive().nullish(),
    hidden_act: z.literal('xielu').default('xielu'),
    max_position_embeddings: int.positive().default(65536),
    initializer_range: z.number().positive().default(0.02),
    rms_norm_eps: z.number().positive().default(1e-5),
    bos_token_id: int.nonnegative().nullish(),
    eos_token_id: z.union([int.nonnegative(), z.array(int.nonnegative()).min(1)]).nullish(),
    pad_token_id: int.nonnegative().nullish(),
    tie_word_embeddings: z.literal(false, { message: 'tied embeddings are not supported (Apertus unties them)' }).default(false),
    attention_bias: z.literal(false, { message: 'attention biases are not supported (Apertus has none)' }).default(false),
    mlp_bias: z.literal(false, { message: 'MLP biases are not supported (Apertus has none)' }).optional(),
    rope_theta: z.number().positive().nullish(),
    rope_scaling: RopeParametersSchema.nullish(),
    rope_parameters: RopeParametersSchema.nullish(),
  })
  .loose();

export type HfConfig = z.output<typeof HfConfigSchema>;

/** A parsed config and what was notable about it (e.g. a RoPE fallback). */
export interface ReadConfig {
  config: ModelConfig;
  warnings: string[];
}

/** config.json object -> ModelConfig; errors name the file and the field. */
export function fromHfConfig(json: unknown, source = 'config.json'): ReadConfig {
  const parsed = HfConfigSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(formatIssues(parsed.error.issues, source));
  }
  const hf = parsed.data;
  const warnings: string[] = [];
  let rope = hf.rope_scaling ?? hf.rope_parameters;
  if (!rope) {
    rope = { ...APERTUS_DEFAULT_ROPE, rope_theta: hf.rope_theta ?? APERTUS_DEFAULT_ROPE.rope_theta };
    warnings.push(`${source}: no rope_parameters or rope_scaling; using Apertus' fallback (llama3 scaling, theta ${rope.rope_theta}). ` +
      'transformers 5 would use theta 12M here whatever rope_theta says');
  }
  const ropeType = rope.rope_type ?? rope.type ?? 'default';
  const ropeTheta = rope.rope_theta ?? hf.rope_theta ?? APERTUS_DEFAULT_ROPE.rope_theta;
  let ropeScaling: Llama3Scaling | null = null;
  if (ropeType === 'llama3') {
    const missing = (['factor', 'low_freq_factor', 'high_freq_factor'] as const).filter((k) => rope[k] === undefined);
    if (missing.length > 0) throw new Error(`${source}: rope_parameters: rope_type llama3 needs ${missing.join(', ')}`);
    ropeScaling = {
      factor: rope.factor!, lowFreqFactor: rope.low_freq_factor!, highFreqFactor: rope.high_freq_factor!,
      originalMaxPositions: rope.original_max_position_embeddings ?? hf.max_position_embeddings,
    };
  } else if (ropeType !== 'default') {
    throw new Error(`${source}: rope_parameters.rope_type: "${ropeType}" is not supported (default or llama3)`);
  }
  const eos = Array.isArray(hf.eos_token_id) ? hf.eos_token_id[0] : hf.eos_token_id;
  if (Array.isArray(hf.eos_token_id) && hf.eos_token_id.length > 1) warnings.push(`${source}: several eos_token_id; using ${eos}`);
  const config = modelConfig({
    vocabSize: hf.vocab_size, hiddenSize: hf.hidden_size, intermediateSize: hf.intermediate_size,
    numLayers: hf.num_hidden_layers, numHeads: hf.num_attention_heads,
    numKvHeads: hf.num_key_value_heads ?? hf.num_attention_heads,
    headDim: hf.head_dim ?? undefined, maxPositions: hf.max_position_embeddings,
    ropeTheta, ropeScaling, rmsNormEps: hf.rms_norm_eps, initializerRange: hf.initializer_range,
    bosId: hf.bos_token_id ?? 1, eosId: eos ?? 2, padId: hf.pad_token_id ?? 3,
  }, source);
  return { config, warnings };
}

/** ModelConfig -> config.json object. `dtype` is the dtype of the saved weights. */
export function toHfConfig(config: ModelConfig, dtype: 'float32' | 'bfloat16' = 'float32'): Record<string, unknown> {
  const rope: Record<string, unknown> = { rope_type: config.ropeScaling ? 'llama3' : 'default', rope_theta: config.ropeTheta };
  if (config.ropeScaling) {
    const s = config.ropeScaling;
    Object.assign(rope, {
      factor: s.factor, low_freq_factor: s.lowFreqFactor, high_freq_factor: s.highFreqFactor,
      original_max_position_embeddings: s.originalMaxPositions,
    });
  }
  return {
    architectures: ['ApertusForCausalLM'],
    model_type: 'apertus',
    vocab_size: config.vocabSize,
    hidden_size: config.hiddenSize,
    intermediate_size: config.intermediateSize,
    num_hidden_layers: config.numLayers,
    num_attention_heads: config.numHeads,
    num_key_value_heads: config.numKvHeads,
    head_dim: config.headDim,
    hidden_act: 'xielu',
    max_position_embeddings: config.maxPositions,
    initializer_range: config.initializerRange,
    rms_norm_eps: config.rmsNormEps,
    bos_token_id: config.bosId,
    eos_token_id: config.eosId,
    pad_token_id: config.padId,
    tie_word_embeddings: false,
    attention_bias: false,
    attention_dropout: 0,
    use_cache: true,
    rope_theta: config.ropeTheta,
    rope_parameters: rope,
    rope_scaling: { ...rope },
    dtype,
  };
}

export async function readHfConfig(file: string): Promise<ReadConfig> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: cannot read config (${(err as Error).message})`);
  }
  return fromHfConfig(json, file);
}

export async function writeHfConfig(file: string, config: ModelConfig, dtype: 'float32' | 'bfloat16' = 'float32'): Promise<void> {
  await writeFile(file, JSON.stringify(toHfConfig(config, dtype), null, 2) + '\n');
}

/** Sampling defaults stored next to the model (transformers' GenerationConfig). */
export interface GenerationDefaults {
  maxNewTokens?: number;
  temperature?: number;
  topP?: number;
  doSample?: boolean;
}

export function toGenerationConfig(config: ModelConfig, defaults: GenerationDefaults = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {
    bos_token_id: config.bosId, eos_token_id: config.eosId, pad_token_id: config.padId,
  };
  if (defaults.doSample !== undefined) out.do_sample = defaults.doSample;
  if (defaults.temperature !== undefined) out.temperature = defaults.temperature;
  if (defaults.topP !== undefined) out.top_p = defaults.topP;
  if (defaults.maxNewTokens !== undefined) out.max_new_tokens = defaults.maxNewTokens;
  return out;
}

export async function writeGenerationConfig(file: string, config: ModelConfig, defaults: GenerationDefaults = {}): Promise<void> {
  await writeFile(file, JSON.stringify(toGenerationConfig(config, defaults), null, 2) + '\n');
}
