/**
 * `npm run bench -- apertus`: the Apertus model (src/model) in our engine next to transformers'
 * ApertusForCausalLM (PyTorch CPU, bench/python/apertus.py) on the same configuration, in the same
 * run, both on 2 threads:
 *   - training tokens/s for two sizes (presets `demo` at vocab 8192 and `small`), AdamW, random
 *     tokens, batch 8 x context 256, WARMUP + BENCH_STEPS (default 5) timed steps;
 *   - generation tokens/s with the KV cache: greedy, one sequence, 128 new tokens after 16.
 * Peak RSS: ours is this process's (Node included); PyTorch's its child's.
 * Then the largest model that trains on this machine: the memory estimate (src/model/memory.ts,
 * which matches the pool's measured step memory) for the `small` shape grown in width and depth,
 * against the machine's memory.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toHfConfig } from '../src/hf/index.js';
import { Apertus, formatBytes, generate, parameterCount, preset, trainingMemory, type ModelConfig } from '../src/model/index.js';
import { AdamW, backward, loadNative, step } from '../src/tensor/index.js';
import { pythonWith } from '../test/helpers/python.js';
import { rng } from './gpt.js';

const SCRIPT = fileURLToPath(new URL('../../bench/python/apertus.py', import.meta.url));
const STEPS = Number(process.env.BENCH_STEPS ?? 5);
const WARMUP = 2, THREADS = 2, BATCH = 8, CONTEXT = 256, LR = 3e-4, NEW_TOKENS = 128;

interface PeerResult { backend: string; tokens_per_s: number; step_s?: number; peak_rss_mb: number; ids?: number[] }

async function peer(python: string | undefined, spec: object): Promise<PeerResult | undefined> {
  if (!python) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'bench-apertus-'));
  try {
    await writeFile(join(dir, 'spec.json'), JSON.stringify(spec));
    const run = spawnSync(python, [SCRIPT, join(dir, 'spec.json')], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (run.status !== 0) {
      process.stderr.write(`PyTorch peer failed: ${run.stderr}\n`);
      return undefined;
    }
    return JSON.parse(run.stdout.trim().split('\n').pop()!) as PeerResult;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function oursTrain(config: ModelConfig): number {
  const model = new Apertus(config, { seed: 0 });
  const optimizer = new AdamW(model.parameters().map((p) => p.tensor), { lr: LR, weightDecay: 0.1 });
  const next = rng(7);
  const tokens = BATCH * CONTEXT;
  const batches = Array.from({ length: 4 }, () => Int32Array.from({ length: tokens + BATCH }, () => Math.floor(next() * config.vocabSize)));
  const rows = (ids: Int32Array, offset: number) => {
    const out = new Int32Array(tokens);
    for (let b = 0; b < BATCH; b++) out.set(ids.subarray(b * (CONTEXT + 1) + offset, b * (CONTEXT + 1) + offset + CONTEXT), b * CONTEXT);
    return out;
  };
  const prepared = batches.map((ids) => ({ inputs: rows(ids, 0), targets: rows(ids, 1) }));
  const trainStep = (i: number) => step(() => {
    const { inputs, targets } = prepared[i % prepared.length]!;
    optimizer.zeroGrad();
    const loss = model.loss(inputs, targets, { batchSize: BATCH });
    backward(loss);
    optimizer.step();
    return loss.item();
  });
  for (let i = 0; i < WARMUP; i++) trainStep(i);
  const started = performance.now();
  for (let i = 0; i < STEPS; i++) trainStep(i);
  return (STEPS * tokens) / ((performance.now() - started) / 1000);
}

function oursGenerate(config: ModelConfig, prompt: number[]): { tokensPerS: number; ids: number[] } {
  const model = new Apertus(config, { seed: 0 });
  generate(model, prompt, { maxNewTokens: 4, greedy: true, stopIds: [] });
  const started = performance.now();
  const ids = generate(model, prompt, { maxNewTokens: NEW_TOKENS, greedy: true, stopIds: [] });
  return { tokensPerS: ids.length / ((performance.now() - started) / 1000), ids: Array.from(ids) };
}

const round = (x: number) => Math.round(x * 10) / 10;

export async function benchApertus(): Promise<void> {
  loadNative()?.setThreads(THREADS);
  const python = await pythonWith(['torch', 'transformers']);
  const sizes: [string, ModelConfig][] = [
    ['demo (vocab 8192)', preset('demo', { vocabSize: 8192 })],
    ['small', preset('small')],
  ];
  console.log(`apertus: the Apertus model, ours vs transformers ApertusForCausalLM, ${THREADS} threads; ` +
    `training batch ${BATCH} x ${CONTEXT}, ${WARMUP} warm-up + ${STEPS} timed steps, AdamW`);
  const summary: Record<string, number> = {};
  for (const [name, config] of sizes) {
    const ours = oursTrain(config);
    const theirs = await peer(python, { mode: 'train', config: toHfConfig(config), threads: THREADS, batch: BATCH, context: CONTEXT, steps: STEPS, warmup: WARMUP, lr: LR });
    const ratio = theirs ? ours / theirs.tokens_per_s : NaN;
    console.log(`  train ${name.padEnd(18)} ${(parameterCount(config) / 1e6).toFixed(1).padStart(5)}M params: ours ${round(ours)} tokens/s, ` +
      `pytorch ${theirs ? round(theirs.tokens_per_s) : 'n/a'} tokens/s, ratio ${ratio.toFixed(2)}${theirs ? ` (${theirs.backend})` : ''}`);
    summary[`train_${name.split(' ')[0]}_ratio`] = Math.round(ratio * 100) / 100;
  }
  const [, genConfig] = sizes[1]!;
  const prompt = Array.from({ length: 16 }, (_, i) => 4 + i * 37);
  const ours = oursGenerate(genConfig, prompt);
  const theirs = await peer(python, { mode: 'generate', config: toHfConfig(genConfig), threads: THREADS, prompt, new_tokens: NEW_TOKENS });
  const same = theirs?.ids ? theirs.ids.length === ours.ids.length && theirs.ids.every((id, i) => id === ours.ids[i]) : undefined;
  console.log(`  generate small, greedy, KV cache, ${NEW_TOKENS} new tokens: ours ${round(ours.tokensPerS)} tokens/s, ` +
    `pytorch ${theirs ? round(theirs.tokens_per_s) : 'n/a'} tokens/s` +
    `${same === undefined ? '' : same ? ' (the same random-init model: identical tokens)' : ' (the tokens differ: random-init models are not the same weights)'}`);
  summary.generate_ratio = theirs ? Math.round((ours.tokensPerS / theirs.tokens_per_s) * 100) / 100 : NaN;

  // The largest model that trains here: the small shape scaled up until AdEMAMix training at
  // batch 1 x 1024 no longer fits in 90% of the machine's memory.
  const budget = 0.9 * totalmem();
  let largest: { config: ModelConfig; bytes: number } | undefined;
  for (let width = 512; width <= 4096; width += 256) {
    const config = preset('small', { hiddenSize: width, intermediateSize: Math.round((width * 5.25) / 64) * 64, numHeads: width / 64, numKvHeads: width / 256, numLayers: Math.round(width / 64), vocabSize: 131072, maxPositions: 4096 });
    const bytes = trainingMemory(config, { batchSize: 1, seqLen: 1024, optimizer: 'ademamix' }).total;
    if (bytes > budget) break;
    largest = { config, bytes };
  }
  if (largest) {
    const c = largest.config;
    console.log(`  largest that trains in ${formatBytes(budget)} (90% of this machine): ${(parameterCount(c) / 1e9).toFixed(2)}B parameters ` +
      `(${c.numLayers} layers, d ${c.hiddenSize}, vocab ${c.vocabSize}), AdEMAMix, batch 1 x 1024: ${formatBytes(largest.bytes)} estimated`);
    summary.largest_params_b = Math.round(parameterCount(c) / 1e7) / 100;
  }
  console.log(JSON.stringify({ bench: 'apertus', ...summary }));
}
