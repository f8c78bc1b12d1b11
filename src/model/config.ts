/**
 * ModelConfig: the shape of an Apertus model (R8). The zod schema is the single source of truth;
 * `modelConfig(partial)` fills defaults, derives headDim and checks the head arithmetic, with
 * errors that name the field. Presets: tiny (tests), demo, small, 8b, 70b.
 */
import { z } from 'zod';
import type { Llama3Scaling, RopeConfig } from '../tensor/index.js';

const positiveInt = z.number().int().positive();
const tokenId = z.number().int().nonnegative();

/** transformers' rope_type "llama3" fields, in our names. */
export const Llama3ScalingSchema = z
  .object({
    factor: z.number().positive(),
    lowFreqFactor: z.number().positive(),
    highFreqFactor: z.number().positive(),
    originalMaxPositions: positiveInt,
  })
  .strict();

export const ModelConfigSchema = z
  .object({
    vocabSize: positiveInt,
    hiddenSize: positiveInt,
    /** MLP width: up [intermediateSize, hiddenSize], down [hiddenSize, intermediateSize] */
    intermediateSize: positiveInt,
    numLayers: positiveInt,
    /** query heads */
    numHeads: positiveInt,
    /** key/value heads (grouped-query attention); numHeads must be a multiple */
    numKvHeads: positiveInt.optional(),
    /** default hiddenSize / numHeads */
    headDim: positiveInt.optional(),
    /** longest position the RoPE tables (and transformers' max_position_embeddings) allow */
    maxPositions: positiveInt.default(4096),
    ropeTheta: z.number().positive().default(500000),
    /** llama3-style frequency scaling; null = plain RoPE (rope_type "default") */
    ropeScaling: Llama3ScalingSchema.nullable().default(null),
    rmsNormEps: z.number().positive().default(1e-5),
    bosId: tokenId.default(1),
    eosId: tokenId.default(2),
    padId: tokenId.default(3),
    /** std of the normal init of the weight matrices (transformers' initializer_range) */
    initializerRange: z.number().positive().default(0.02),
  })
  .strict()
  .transform((c, ctx) => {
    const numKvHeads = c.numKvHeads ?? c.numHeads;
    if (c.numHeads % numKvHeads !== 0) {
      ctx.addIssue({ code: 'custom', path: ['numKvHeads'], message: `numHeads ${c.numHeads} must be a multiple of numKvHeads ${numKvHeads}` });
    }
    if (c.headDim === undefined && c.hiddenSize % c.numHeads !== 0) {
      ctx.addIssue({ code: 'custom', path: ['headDim'], message: `hiddenSize ${c.hiddenSize} is not a multiple of numHeads ${c.numHeads}; give headDim` });
    }
    const headDim = c.headDim ?? Math.floor(c.hiddenSize / c.numHeads);
    if (headDim % 2 !== 0) ctx.addIssue({ code: 'custom', path: ['headDim'], message: `headDim ${headDim} must be even (RoPE rotates pairs)` });
    for (const [field, id] of [['bosId', c.bosId], ['eosId', c.eosId], ['padId', c.padId]] as const) {
      if (id >= c.vocabSize) ctx.addIssue({ code: 'custom', path: [field], message: `${field} ${id} is outside the vocabulary (${c.vocabSize})` });
    }
    return { ...c, numKvHeads, headDim };
  });

/** A complete, checked model configuration. */
export type ModelConfig = z.output<typeof ModelConfigSchema>;
/** What a user writes: defaults may be left out. */
export type ModelConfigInput = z.input<typeof ModelConfigSchema>;

/** Parses and completes a config; throws an Error naming every bad field. */
export function modelConfig(input: ModelConfigInput | ModelConfig, source = 'model config'): ModelConfig {
  const result = ModelConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw new Error(formatIssues(result.error.issues, source));
}

/** One line per zod issue: "source: field.path: message". */
export function formatIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[], source: string): string {
  return issues.map((i) => `${source}: ${i.path.map(String).join('.') || '(top level)'}: ${i.message.replace(/^Invalid input: /, '')}`).join('\n');
}

/** The tensor engine's RoPE settings for a model, tables up to `maxPositions`. */
export function ropeConfig(config: ModelConfig, maxPositions = config.maxPositions): RopeConfig {
  const scaling: Llama3Scaling | undefined = config.ropeScaling ?? undefined;
  return { headDim: config.headDim, maxPositions, theta: config.ropeTheta, scaling };
}

/**
 * Presets. The 8B and 70B shapes are R8's; their rope settings are those of the released
 * checkpoints (theta 12M with llama3 scaling from 8192, 65536 positions). Pretraining at 4096
 * used theta 500k: override ropeTheta/ropeScaling/maxPositions for that.
 */
export const PRESETS = {
  /** for tests: 2 layers, d 64, 4 query / 2 kv heads of 16 */
  tiny: { vocabSize: 256, hiddenSize: 64, intermediateSize: 192, numLayers: 2, numHeads: 4, numKvHeads: 2, maxPositions: 256 },
  /** trains in minutes on two CPU cores */
  demo: { vocabSize: 4096, hiddenSize: 256, intermediateSize: 1024, numLayers: 4, numHeads: 4, numKvHeads: 2, maxPositions: 512 },
  /** ~20M parameters at vocab 8192: the bench GPT's size */
  small: { vocabSize: 8192, hiddenSize: 384, intermediateSize: 2016, numLayers: 6, numHeads: 6, numKvHeads: 2, maxPositions: 1024 },
  '8b': {
    vocabSize: 131072, hiddenSize: 4096, intermediateSize: 21504, numLayers: 32, numHeads: 32, numKvHeads: 8,
    maxPositions: 65536, ropeTheta: 12000000,
    ropeScaling: { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 },
  },
  '70b': {
    vocabSize: 131072, hiddenSize: 8192, intermediateSize: 43008, numLayers: 80, numHeads: 64, numKvHeads: 8,
    maxPositions: 65536, ropeTheta: 12000000,
    ropeScaling: { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192 },
  },
} satisfies Record<string, ModelConfigInput>;

export type PresetName = keyof typeof PRESETS;

/** A preset, with any fields overridden (e.g. the tokenizer's vocabSize). */
export function preset(name: PresetName, overrides: Partial<ModelConfigInput> = {}): ModelConfig {
  const base = PRESETS[name] as ModelConfigInput | undefined;
  if (base === undefined) throw new Error(`unknown model preset "${name}"; known: ${Object.keys(PRESETS).join(', ')}`);
  return modelConfig({ ...base, ...overrides }, `preset ${name}`);
}

/** Parameter count of a config (every tensor of the HF checkpoint except xIELU's beta/eps buffers). */
export function parameterCount(config: ModelConfig): number {
  const { vocabSize: V, hiddenSize: C, intermediateSize: F, numLayers: L, numHeads: Hq, numKvHeads: Hkv, headDim: D } = config;
  const attention = C * Hq * D * 2 + C * Hkv * D * 2 + 2 * D;
  const mlp = 2 * C * F + 2;
  return 2 * V * C + L * (attention + mlp + 2 * C) + C;
}
