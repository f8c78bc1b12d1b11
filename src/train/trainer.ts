/**
 * The training loop: Apertus model, Goldfish-masked loss, AdEMAMix (or AdamW) under a WSD (or
 * cosine, constant) schedule, gradient accumulation and clipping, periodic validation, atomic
 * checkpoints, exact resume, and a guard against NaN/Inf steps.
 *
 *   RUN/train-config.json   the resolved configuration (model config included)
 *   RUN/metrics.jsonl       one line per logged step: loss, lr, grad norm, tokens/s, Goldfish rate;
 *                           and per evaluation: val_loss, val_ppl (per dataset too)
 *   RUN/checkpoints/        see checkpoint.ts
 *
 * Determinism: the data order is the loader's (seeded, saved in checkpoints), the kernels give the
 * same bits on the same thread count, and the schedule is a function of the step; so a run
 * resumed from a checkpoint produces the same weights as one that never stopped.
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Apertus, type ModelConfig } from '../model/index.js';
import {
  AdamW, AdEMAMix, backward, clipGradNorm, noGrad, scale, step as tapeStep, type Tensor,
} from '../tensor/index.js';
import { writeFileAtomic } from '../util/fs.js';
import { UserError } from '../util/errors.js';
import { checkpointName, latestCheckpoint, loadCheckpoint, saveCheckpoint, type TrainerState } from './checkpoint.js';
import { TrainingData, type Batch } from './data.js';
import { schedule } from './schedule.js';
import type { TrainConfig } from './train-config.js';

export const METRICS_FILE = 'metrics.jsonl';

export interface StepMetrics {
  step: number;
  loss: number;
  lr: number;
  grad_norm: number;
  tokens: number;
  tokens_per_s: number;
  goldfish_rate: number;
  skipped: boolean;
}

export interface EvalMetrics {
  step: number;
  val_loss: number;
  val_ppl: number;
  /** per dataset, when there are several */
  datasets?: Record<string, { val_loss: number; tokens: number }>;
}

export interface TrainOptions {
  /** continue from RUN/checkpoints/latest (else the run folder must have no checkpoints) */
  resume?: boolean;
  /** stop (with a checkpoint) once this many steps are done, before training.steps; for tests and
   * budgets */
  stopAfter?: number;
  /** checked between steps: when aborted, the run checkpoints and returns */
  signal?: AbortSignal;
  onStep?: (metrics: StepMetrics, total: number) => void;
  onEval?: (metrics: EvalMetrics) => void;
  onCheckpoint?: (dir: string) => void;
  /** tokenizer.json to copy into checkpoints */
  tokenizer?: string;
}

export interface TrainResult {
  model: Apertus;
  steps: number;
  tokens: number;
  skippedSteps: number;
  finalLoss: number;
  valLoss?: number;
  checkpoint: string;
  /** true when it stopped early (signal or stopAfter) */
  interrupted: boolean;
}

type Optimizer = AdamW | AdEMAMix;

function makeOptimizer(model: Apertus, config: TrainConfig): Optimizer {
  const o = config.optimizer;
  const params = model.parameters();
  const noDecay = new Set(params.filter((p) => !p.weightDecay).map((p) => p.tensor));
  const tensors = params.map((p) => p.tensor);
  const common = { lr: config.schedule.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: o.weight_decay, noDecay };
  if (o.name === 'adamw') return new AdamW(tensors, common);
  const steps = config.training.steps;
  return new AdEMAMix(tensors, {
    ...common, beta3: o.beta3, alpha: o.alpha, alphaWarmup: o.alpha_warmup ?? steps, beta3Warmup: o.beta3_warmup ?? steps,
  });
}

/** The model's masked loss on one batch (documents, positions and the loss mask from the loader). */
function batchLoss(model: Apertus, batch: Batch): Tensor {
  return model.loss(batch.inputs, batch.targets, { batchSize: batch.B, docIds: batch.docIds, positions: batch.positions, lossMask: batch.lossMask });
}

/** Forward + backward of one micro-batch; gradients accumulate, scaled by `weight`. */
function microStep(model: Apertus, batch: Batch, weight: number): number {
  return tapeStep(() => {
    const loss = batchLoss(model, batch);
    backward(weight === 1 ? loss : scale(loss, weight));
    return loss.item();
  });
}

/** Mean validation loss over up to `maxBatches` batches per dataset (0: all), token-weighted. */
export function evaluate(model: Apertus, data: TrainingData, maxBatches: number): Omit<EvalMetrics, 'step'> {
  let lossSum = 0, tokens = 0;
  const datasets: Record<string, { val_loss: number; tokens: number }> = {};
  for (const name of data.names) {
    let sum = 0, count = 0, seen = 0;
    for (const batch of data.validationBatches(name)) {
      if (maxBatches > 0 && seen++ >= maxBatches) break;
      const weight = batch.lossTokens;
      if (weight === 0) continue;
      const loss = noGrad(() => tapeStep(() => batchLoss(model, batch).item()));
      sum += loss * weight;
      count += weight;
    }
    if (count > 0) datasets[name] = { val_loss: sum / count, tokens: count };
    lossSum += sum;
    tokens += count;
  }
  const valLoss = tokens > 0 ? lossSum / tokens : NaN;
  return { val_loss: valLoss, val_ppl: Math.exp(valLoss), ...(data.names.length > 1 ? { datasets } : {}) };
}

/** Keeps the metrics lines up to `step` (a resumed run rewrites what followed its checkpoint). */
async function truncateMetrics(file: string, step: number): Promise<void> {
  if (!existsSync(file)) return;
  const lines = (await readFile(file, 'utf8')).split('\n').filter((line) => {
    if (line.trim() === '') return false;
    try {
      return (JSON.parse(line) as { step: number }).step <= step;
    } catch {
      return false; // a line cut by a crash
    }
  });
  await writeFileAtomic(file, lines.map((l) => `${l}\n`).join(''));
}

/** Trains `modelConfig` on `config` into `runDir`. */
export async function train(config: TrainConfig, modelConfig: ModelConfig, runDir: string, options: TrainOptions = {}): Promise<TrainResult> {
  await mkdir(runDir, { recursive: true });
  const existing = await latestCheckpoint(runDir);
  if (existing && !options.resume) {
    throw new UserError(`${runDir} already has checkpoints (latest: ${existing}); pass --resume to continue it, or choose another --out`);
  }
  const metricsFile = join(runDir, METRICS_FILE);
  const model = new Apertus(modelConfig, { seed: config.training.seed });
  const optimizer = makeOptimizer(model, config);
  const data = await TrainingData.open(config.data, config.goldfish);
  const state: TrainerState = { step: 0, tokens: 0, skippedSteps: 0, data: data.state(), optimizer: config.optimizer.name };
  try {
    if (existing) {
      const saved = await loadCheckpoint(existing, model);
      optimizer.loadStateDict(saved.optimizer);
      data.restore(saved.state.data);
      Object.assign(state, saved.state);
      await truncateMetrics(metricsFile, state.step);
    } else {
      await writeFileAtomic(join(runDir, 'train-config.json'), `${JSON.stringify({ ...config, model_config: modelConfig }, null, 1)}\n`);
      await writeFileAtomic(metricsFile, '');
    }
    return await loop(config, model, optimizer, data, state, runDir, options);
  } finally {
    data.close();
  }
}

async function loop(config: TrainConfig, model: Apertus, optimizer: Optimizer, data: TrainingData, state: TrainerState,
  runDir: string, options: TrainOptions): Promise<TrainResult> {
  const t = config.training;
  const total = t.steps;
  const lrAt = schedule(config.schedule, total);
  const params = model.parameters().map((p) => p.tensor);
  const micro = config.data.batch_size / t.gradient_accumulation;
  const metricsFile = join(runDir, METRICS_FILE);
  const save = async (): Promise<string> => {
    const dir = await saveCheckpoint(runDir, model, optimizer.stateDict(), { ...state, data: data.state() },
      { keep: t.keep_checkpoints, tokenizer: options.tokenizer });
    options.onCheckpoint?.(dir);
    return dir;
  };
  const log = (line: object) => appendFile(metricsFile, `${JSON.stringify(line)}\n`);
  let badInARow = 0, finalLoss = NaN, valLoss: number | undefined;
  let checkpoint = (await latestCheckpoint(runDir)) ?? '';
  const stopAt = Math.min(total, options.stopAfter ?? total);
  while (state.step < stopAt) {
    if (options.signal?.aborted) break;
    const started = performance.now();
    const lr = lrAt(state.step);
    let loss = 0, tokens = 0, dropped = 0, eligible = 0;
    optimizer.zeroGrad();
    for (let m = 0; m < t.gradient_accumulation; m++) {
      const batch = data.nextBatch(micro);
      loss += microStep(model, batch, 1 / t.gradient_accumulation) / t.gradient_accumulation;
      tokens += batch.tokens;
      dropped += batch.goldfishDropped;
      eligible += batch.goldfishEligible;
    }
    const norm = clipGradNorm(params, config.optimizer.clip);
    const bad = !Number.isFinite(loss) || !Number.isFinite(norm);
    if (bad) {
      state.skippedSteps++;
      if (++badInARow >= t.max_bad_steps) {
        throw new UserError(`training stopped at step ${state.step + 1}: ${badInARow} steps in a row had a NaN/Inf ` +
          `loss or gradient (last loss ${loss}, gradient norm ${norm}); lower schedule.lr or optimizer.clip, or check the data`);
      }
    } else {
      badInARow = 0;
      optimizer.step(lr);
      finalLoss = loss;
    }
    optimizer.zeroGrad();
    state.step++;
    state.tokens += tokens;
    const seconds = (performance.now() - started) / 1000;
    const metrics: StepMetrics = {
      step: state.step, loss, lr, grad_norm: norm, tokens: state.tokens, tokens_per_s: tokens / seconds,
      goldfish_rate: eligible > 0 ? dropped / eligible : 0, skipped: bad,
    };
    if (state.step % t.log_every === 0 || state.step === total || bad) await log(metrics);
    options.onStep?.(metrics, total);
    const last = state.step === total;
    if ((t.eval_every > 0 && state.step % t.eval_every === 0) || last) {
      const evaluation = { step: state.step, ...evaluate(model, data, t.eval_batches) };
      valLoss = evaluation.val_loss;
      await log(evaluation);
      options.onEval?.(evaluation);
    }
    if ((t.checkpoint_every > 0 && state.step % t.checkpoint_every === 0) || last) checkpoint = await save();
  }
  const interrupted = state.step < total;
  if (!checkpoint.endsWith(checkpointName(state.step))) checkpoint = await save();
  return { model, steps: state.step, tokens: state.tokens, skippedSteps: state.skippedSteps, finalLoss, valLoss, checkpoint, interrupted };
}
