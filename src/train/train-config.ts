/**
 * `apertus train config.yaml`: the whole training configuration, one zod schema (the single source
 * of truth; errors name the field and the file's line). Paths resolve against the file's folder.
 *
 *   model:     { preset: demo, vocab_size: 2048 }        # or every size by hand; snake_case
 *   tokenizer: ../tokenizer.json                          # optional: vocab size, copied to exports
 *   data:      { context: 256, batch_size: 8, datasets: [{ name: web, paths: [tokens/corpus] }] }
 *   goldfish:  { strategy: hash, k: 50, h: 50 }           # omitted: on, Apertus's setting
 *   schedule:  { kind: wsd, lr: 3.0e-3, warmup_steps: 20 }
 *   optimizer: { name: ademamix, weight_decay: 0.1, clip: 0.1 }
 *   training:  { steps: 200, seed: 0, checkpoint_every: 50, keep_checkpoints: 2, eval_every: 50 }
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { modelConfig, PRESETS, type ModelConfig, type ModelConfigInput, type PresetName } from '../model/index.js';
import { loadConfig, parseConfig } from '../util/config.js';
import { TRAIN_DATA_SECTIONS } from './config.js';
import { resolveDataPaths } from './data-config.js';

const positiveInt = z.number().int().positive();

/** The model in the YAML's snake_case; every field overrides the preset's. */
const ModelSectionSchema = z
  .object({
    preset: z.enum(Object.keys(PRESETS) as [PresetName, ...PresetName[]]).optional(),
    vocab_size: positiveInt.optional(),
    hidden_size: positiveInt.optional(),
    intermediate_size: positiveInt.optional(),
    num_layers: positiveInt.optional(),
    num_heads: positiveInt.optional(),
    num_kv_heads: positiveInt.optional(),
    head_dim: positiveInt.optional(),
    max_positions: positiveInt.optional(),
    rope_theta: z.number().positive().optional(),
    rms_norm_eps: z.number().positive().optional(),
    initializer_range: z.number().positive().optional(),
    bos_id: z.number().int().nonnegative().optional(),
    eos_id: z.number().int().nonnegative().optional(),
    pad_id: z.number().int().nonnegative().optional(),
  })
  .strict();

const OptimizerSchema = z
  .object({
    /** AdEMAMix (R8, default) or AdamW */
    name: z.enum(['ademamix', 'adamw']).default('ademamix'),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    /** AdEMAMix's slow EMA and its weight (R8: 0.9999, 8) */
    beta3: z.number().min(0).lt(1).default(0.9999),
    alpha: z.number().min(0).default(8),
    /** warm-up steps of alpha and beta3; default: the whole run, as the AdEMAMix paper */
    alpha_warmup: z.number().int().min(0).optional(),
    beta3_warmup: z.number().int().min(0).optional(),
    eps: z.number().positive().default(1e-8),
    /** decoupled weight decay; never on norms or xIELU's alphas */
    weight_decay: z.number().min(0).default(0.1),
    /** global gradient-norm clip (R8: 0.1); 0 = off */
    clip: z.number().min(0).default(0.1),
  })
  .strict();

const TrainingSchema = z
  .object({
    steps: positiveInt,
    /** micro-batches per optimizer step; data.batch_size must divide evenly */
    gradient_accumulation: positiveInt.default(1),
    /** initialisation seed (the data order has its own, data.seed) */
    seed: z.number().int().min(0).default(0),
    log_every: positiveInt.default(1),
    /** validation loss every N steps (and at the end); 0 = only at the end */
    eval_every: z.number().int().min(0).default(0),
    /** validation batches per evaluation; 0 = the whole validation split */
    eval_batches: z.number().int().min(0).default(20),
    /** checkpoint every N steps (and at the end); 0 = only at the end */
    checkpoint_every: z.number().int().min(0).default(0),
    keep_checkpoints: positiveInt.default(2),
    /** stop after this many consecutive steps with a NaN/Inf loss or gradient */
    max_bad_steps: positiveInt.default(5),
  })
  .strict();

export const TrainConfigSchema = z
  .object({
    model: ModelSectionSchema.prefault({}),
    tokenizer: z.string().min(1).optional(),
    ...TRAIN_DATA_SECTIONS,
    optimizer: OptimizerSchema.prefault({}),
    training: TrainingSchema,
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.data.batch_size % c.training.gradient_accumulation !== 0) {
      ctx.addIssue({ code: 'custom', path: ['training', 'gradient_accumulation'],
        message: `must divide data.batch_size (${c.data.batch_size})` });
    }
    if (c.model.preset === undefined) {
      for (const field of ['vocab_size', 'hidden_size', 'intermediate_size', 'num_layers', 'num_heads'] as const) {
        if (c.model[field] === undefined && !(field === 'vocab_size' && c.tokenizer)) {
          ctx.addIssue({ code: 'custom', path: ['model', field], message: 'required without a preset' });
        }
      }
    }
  });

export type TrainConfig = z.output<typeof TrainConfigSchema>;
export type OptimizerConfig = TrainConfig['optimizer'];

/** Loads and validates `file`; data and tokenizer paths become absolute (relative to the file). */
export async function loadTrainConfig(file: string): Promise<TrainConfig> {
  return resolvePaths(await loadConfig(file, TrainConfigSchema), dirname(resolve(file)));
}

/** The same from YAML text; `file` names it in errors, paths resolve against `baseDir`. */
export function parseTrainConfig(text: string, file: string, baseDir: string): TrainConfig {
  return resolvePaths(parseConfig(text, file, TrainConfigSchema), baseDir);
}

function resolvePaths(config: TrainConfig, baseDir: string): TrainConfig {
  const tokenizer = config.tokenizer === undefined || isAbsolute(config.tokenizer) ? config.tokenizer : resolve(baseDir, config.tokenizer);
  return { ...config, tokenizer, data: resolveDataPaths(config.data, baseDir) };
}

/**
 * The model's configuration: the preset, then the section's fields; `vocabSize` from the
 * tokenizer when the section leaves it out. RoPE tables must cover the data's context.
 */
export function resolveModelConfig(config: TrainConfig, tokenizerVocab?: number): ModelConfig {
  const m = config.model;
  const base: Partial<ModelConfigInput> = m.preset ? PRESETS[m.preset] : {};
  const fields: Partial<ModelConfigInput> = {
    vocabSize: m.vocab_size ?? tokenizerVocab, hiddenSize: m.hidden_size, intermediateSize: m.intermediate_size,
    numLayers: m.num_layers, numHeads: m.num_heads, numKvHeads: m.num_kv_heads, headDim: m.head_dim,
    maxPositions: m.max_positions, ropeTheta: m.rope_theta, rmsNormEps: m.rms_norm_eps,
    initializerRange: m.initializer_range, bosId: m.bos_id, eosId: m.eos_id, padId: m.pad_id,
  };
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  // A model of preset size with a smaller context trains fine; only a longer one needs bigger tables.
  const merged = { ...base, ...defined } as ModelConfigInput;
  if ((merged.maxPositions ?? 4096) < config.data.context) merged.maxPositions = config.data.context;
  return modelConfig(merged, 'model');
}
