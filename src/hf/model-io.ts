/**
 * Our Apertus model <-> a Hugging Face folder (config.json, generation_config.json, safetensors,
 * optionally tokenizer.json), and our own single-file checkpoint (float32 safetensors with the
 * ModelConfig in `__metadata__`). Parameter names are the HF names, so both are a name-for-name
 * copy; xIELU's fixed `beta` and `eps` are written per layer as 0-dim tensors (R9: without them
 * transformers loads uninitialised memory) and checked on load.
 */
import { writeTokenizerConfig, type SpecialTokenStrings } from './tokenizer-config.js';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Apertus, modelConfig, type ModelConfig } from '../model/index.js';
import { XIELU_BETA, XIELU_EPS, type DType } from '../tensor/index.js';
import { Checkpoint, writeCheckpoint } from './checkpoint.js';
import { readHfConfig, writeGenerationConfig, writeHfConfig, type GenerationDefaults } from './config.js';
import { writeSafetensors, type TensorEntry } from './safetensors.js';

/** `__metadata__` key of our own checkpoints: the ModelConfig as JSON. */
export const CONFIG_METADATA_KEY = 'apertus_config';

export interface SaveHfOptions {
  /** dtype of the weights (default float32; released Apertus checkpoints are bfloat16) */
  dtype?: 'float32' | 'bfloat16';
  /** a tokenizer.json to copy next to the weights */
  tokenizerJson?: string;
  /** with tokenizerJson: its BOS/EOS/PAD strings, for tokenizer_config.json (AutoTokenizer) */
  specialTokens?: SpecialTokenStrings;
  /** shard the weights above this many bytes per file (default: one file) */
  maxShardBytes?: number;
  /** sampling defaults for generation_config.json */
  generation?: GenerationDefaults;
}

export interface LoadOptions {
  /** dtype of the model in memory (default float32) */
  dtype?: DType;
  /** called with notes such as a RoPE fallback or unused tensors (default: ignored) */
  onWarning?: (message: string) => void;
}

/** The tensors of a checkpoint of `model`: every parameter plus xIELU's beta and eps. */
export function checkpointEntries(model: Apertus, dtype: 'float32' | 'bfloat16' = 'float32'): TensorEntry[] {
  const st = dtype === 'bfloat16' ? 'BF16' : 'F32';
  const entries: TensorEntry[] = model.parameters().map((p) => ({ name: p.name, dtype: st, shape: p.tensor.shape, data: p.tensor.data }));
  for (let i = 0; i < model.config.numLayers; i++) {
    entries.push({ name: `model.layers.${i}.mlp.act_fn.beta`, dtype: st, shape: [], data: Float32Array.of(XIELU_BETA) });
    entries.push({ name: `model.layers.${i}.mlp.act_fn.eps`, dtype: st, shape: [], data: Float32Array.of(XIELU_EPS) });
  }
  return entries;
}

/** Writes an HF folder that `AutoModelForCausalLM.from_pretrained(dir)` loads; returns the files. */
export async function saveHf(model: Apertus, dir: string, options: SaveHfOptions = {}): Promise<string[]> {
  const dtype = options.dtype ?? 'float32';
  await mkdir(dir, { recursive: true });
  const files = await writeCheckpoint(dir, checkpointEntries(model, dtype), { maxShardBytes: options.maxShardBytes });
  await writeHfConfig(join(dir, 'config.json'), model.config, dtype);
  await writeGenerationConfig(join(dir, 'generation_config.json'), model.config, options.generation);
  files.push('config.json', 'generation_config.json');
  if (options.tokenizerJson !== undefined) {
    await copyFile(options.tokenizerJson, join(dir, 'tokenizer.json'));
    files.push('tokenizer.json');
    if (options.specialTokens) {
      await writeTokenizerConfig(dir, model.config, options.specialTokens);
      files.push('tokenizer_config.json', 'special_tokens_map.json');
    }
  }
  return files;
}

/** Loads an HF folder (config.json + model.safetensors or shards; F32, BF16 or F16). */
export async function loadHf(dir: string, options: LoadOptions = {}): Promise<Apertus> {
  const { config, warnings } = await readHfConfig(join(dir, 'config.json'));
  for (const w of warnings) options.onWarning?.(w);
  return loadWeights(config, dir, options);
}

/** Our own checkpoint: one float32 safetensors file with the config in its metadata. */
export async function saveModel(model: Apertus, file: string, metadata: Record<string, string> = {}): Promise<void> {
  await writeSafetensors(file, checkpointEntries(model, 'float32'), {
    format: 'pt', ...metadata, [CONFIG_METADATA_KEY]: JSON.stringify(model.config),
  });
}

/**
 * Loads a model from any of: an HF folder (has config.json), our checkpoint file (.safetensors
 * with the config in its metadata), or a folder holding such a model.safetensors.
 */
export async function loadModel(path: string, options: LoadOptions = {}): Promise<Apertus> {
  if ((await stat(path)).isDirectory() && existsSync(join(path, 'config.json'))) return loadHf(path, options);
  const checkpoint = await Checkpoint.open(path);
  const text = checkpoint.metadata[CONFIG_METADATA_KEY];
  await checkpoint.close();
  if (text === undefined) {
    throw new Error(`${path}: neither an HF folder (no config.json) nor an apertus checkpoint (no "${CONFIG_METADATA_KEY}" metadata)`);
  }
  return loadWeights(modelConfig(JSON.parse(text), `${path} (${CONFIG_METADATA_KEY})`), path, options);
}

/** A model of `config` with every parameter read from the checkpoint at `path`. */
export async function loadWeights(config: ModelConfig, path: string, options: LoadOptions = {}): Promise<Apertus> {
  const model = new Apertus(config, { dtype: options.dtype ?? 'float32', init: 'zeros' });
  const checkpoint = await Checkpoint.open(path);
  try {
    const missing = model.parameters().filter((p) => !checkpoint.has(p.name)).map((p) => p.name);
    if (missing.length > 0) {
      throw new Error(`${path}: the checkpoint lacks ${missing.length} tensors of this model, e.g. ${missing.slice(0, 3).join(', ')}`);
    }
    for (const { name, tensor } of model.parameters()) {
      const shape = checkpoint.info(name).shape;
      if (shape.length !== tensor.shape.length || shape.some((d, i) => d !== tensor.shape[i])) {
        throw new Error(`${path}: "${name}" is [${shape.join(',')}], the config needs [${tensor.shape.join(',')}]`);
      }
      tensor.data.set(await checkpoint.readFloats(name, model.dtype === 'float64' ? 'float64' : 'float32'));
    }
    await checkXieluConstants(checkpoint, config, options);
    const known = new Set(checkpointEntries(model).map((e) => e.name));
    const unused = checkpoint.names().filter((n) => !known.has(n));
    if (unused.length > 0) options.onWarning?.(`${path}: ${unused.length} tensors not used, e.g. ${unused.slice(0, 3).join(', ')}`);
  } finally {
    await checkpoint.close();
  }
  return model;
}

/** beta and eps are fixed in our kernels: a checkpoint with other values would compute another function. */
async function checkXieluConstants(checkpoint: Checkpoint, config: ModelConfig, options: LoadOptions): Promise<void> {
  for (let i = 0; i < config.numLayers; i++) {
    for (const [field, expected] of [['beta', XIELU_BETA], ['eps', XIELU_EPS]] as const) {
      const name = `model.layers.${i}.mlp.act_fn.${field}`;
      if (!checkpoint.has(name)) {
        options.onWarning?.(`${checkpoint.location}: no ${name}; using ${expected}`);
        continue;
      }
      const value = (await checkpoint.readFloats(name, 'float64'))[0];
      // bf16 holds eps as -9.98e-7: allow its rounding
      if (!(Math.abs(value - expected) <= Math.abs(expected) * 1e-2)) {
        throw new Error(`${checkpoint.location}: ${name} is ${value}; this engine computes xIELU with ${field} = ${expected}`);
      }
    }
  }
}
