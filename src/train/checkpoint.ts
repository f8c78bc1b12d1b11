/**
 * Training checkpoints: everything a run needs to continue exactly where it stopped.
 *
 *   RUN/checkpoints/step-00000100/
 *     model.safetensors       float32 weights, HF tensor names, the model config in the metadata
 *                             (so `apertus generate --model` and `export hf` read it directly)
 *     optimizer.safetensors   the moments of every parameter (`<name>.exp_avg`, ...), step count
 *     trainer-state.json      step, data loader state, skipped-step counts, tokens seen
 *     tokenizer.json          when the run has one
 *   RUN/checkpoints/latest    the name of the newest complete checkpoint
 *
 * A checkpoint is written into a temporary folder and renamed into place, then `latest` is
 * replaced atomically, so a run killed at any moment leaves the previous checkpoint intact.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Checkpoint, saveModel, writeSafetensors } from '../hf/index.js';
import type { TensorEntry } from '../hf/index.js';
import type { Apertus } from '../model/index.js';
import type { OptimizerState } from '../tensor/index.js';
import { UserError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import type { DataState } from './data.js';

export const CHECKPOINTS_DIR = 'checkpoints';
const LATEST = 'latest';
const MODEL_FILE = 'model.safetensors';
const OPTIMIZER_FILE = 'optimizer.safetensors';
const STATE_FILE = 'trainer-state.json';

/** Names of the optimizer's moment slots, as PyTorch's optimizers call them. */
export const MOMENT_NAMES = {
  adamw: ['exp_avg', 'exp_avg_sq'],
  ademamix: ['exp_avg', 'exp_avg_slow', 'exp_avg_sq'],
} as const;

export interface TrainerState {
  /** optimizer steps completed */
  step: number;
  tokens: number;
  skippedSteps: number;
  data: DataState;
  optimizer: keyof typeof MOMENT_NAMES;
}

export const checkpointName = (step: number): string => `step-${String(step).padStart(8, '0')}`;

/** Writes the checkpoint of `state.step`, points `latest` at it and keeps the newest `keep`. */
export async function saveCheckpoint(runDir: string, model: Apertus, optimizer: OptimizerState, state: TrainerState,
  options: { keep: number; tokenizer?: string }): Promise<string> {
  const root = join(runDir, CHECKPOINTS_DIR);
  const name = checkpointName(state.step);
  const final = join(root, name);
  const partial = join(root, `${name}.partial-${process.pid}`);
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  await saveModel(model, join(partial, MODEL_FILE), { step: String(state.step) });
  await writeSafetensors(join(partial, OPTIMIZER_FILE), optimizerEntries(model, optimizer, state.optimizer),
    { step_count: String(optimizer.stepCount), optimizer: state.optimizer });
  await writeFile(join(partial, STATE_FILE), `${JSON.stringify(state, null, 1)}\n`);
  if (options.tokenizer) await copyFile(options.tokenizer, join(partial, 'tokenizer.json'));
  await rm(final, { recursive: true, force: true });
  await rename(partial, final);
  await writeFileAtomic(join(root, LATEST), `${name}\n`);
  await prune(root, options.keep, name);
  return final;
}

function optimizerEntries(model: Apertus, optimizer: OptimizerState, kind: keyof typeof MOMENT_NAMES): TensorEntry[] {
  const params = model.parameters();
  if (optimizer.moments.length !== params.length) throw new Error('checkpoint: optimizer and model disagree on the parameters');
  return params.flatMap((p, i) => (optimizer.moments[i] ?? []).map((m, k) => ({
    name: `${p.name}.${MOMENT_NAMES[kind][k]}`, dtype: 'F32' as const, shape: p.tensor.shape, data: m as Float32Array,
  })));
}

/** Removes all but the newest `keep` checkpoints (never `current`) and stale partial folders. */
async function prune(root: string, keep: number, current: string): Promise<void> {
  const names = (await readdir(root)).sort();
  const complete = names.filter((n) => /^step-\d{8}$/.test(n));
  const old = complete.slice(0, Math.max(0, complete.length - keep)).filter((n) => n !== current);
  const stale = names.filter((n) => n.includes('.partial-') && !n.endsWith(`.partial-${process.pid}`));
  for (const n of [...old, ...stale]) await rm(join(root, n), { recursive: true, force: true });
}

/** The folder of the newest complete checkpoint of a run, or undefined. */
export async function latestCheckpoint(runDir: string): Promise<string | undefined> {
  const pointer = join(runDir, CHECKPOINTS_DIR, LATEST);
  if (!existsSync(pointer)) return undefined;
  const dir = join(runDir, CHECKPOINTS_DIR, (await readFile(pointer, 'utf8')).trim());
  if (!existsSync(join(dir, STATE_FILE))) throw new Error(`${pointer} names ${dir}, which is not a complete checkpoint`);
  return dir;
}

/**
 * The folder a model loads from, given a run folder (its latest checkpoint), a checkpoint folder
 * or a Hugging Face model folder (these two as they are).
 */
export async function modelFolder(path: string): Promise<string> {
  if (!existsSync(path)) throw new UserError(`${path}: no such file or folder`);
  const latest = await latestCheckpoint(path);
  if (latest) return latest;
  if (existsSync(join(path, CHECKPOINTS_DIR))) throw new UserError(`${path}: a run folder without a complete checkpoint yet`);
  return path;
}

/** Reads a checkpoint into `model` (same config) and returns the optimizer and trainer state. */
export async function loadCheckpoint(dir: string, model: Apertus): Promise<{ state: TrainerState; optimizer: OptimizerState }> {
  const state = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8')) as TrainerState;
  const weights = await Checkpoint.open(join(dir, MODEL_FILE));
  try {
    for (const { name, tensor } of model.parameters()) {
      if (!weights.has(name)) throw new Error(`${dir}: the checkpoint lacks "${name}"; was it written by another model config?`);
      const values = await weights.readFloats(name);
      if (values.length !== tensor.size) throw new Error(`${dir}: "${name}" has ${values.length} values, the model needs ${tensor.size}`);
      tensor.data.set(values);
    }
  } finally {
    await weights.close();
  }
  const moments = await Checkpoint.open(join(dir, OPTIMIZER_FILE));
  try {
    const stepCount = Number(moments.metadata.step_count);
    const slots = MOMENT_NAMES[state.optimizer];
    const all: (Float32Array[] | null)[] = [];
    for (const { name } of model.parameters()) {
      if (!moments.has(`${name}.${slots[0]}`)) {
        all.push(null);
        continue;
      }
      const buffers: Float32Array[] = [];
      for (const slot of slots) buffers.push((await moments.readFloats(`${name}.${slot}`)) as Float32Array);
      all.push(buffers);
    }
    return { state, optimizer: { stepCount, moments: all } };
  } finally {
    await moments.close();
  }
}
