/**
 * `npm run bench -- train-step`: training steps per second of the benchmark GPT (bench/gpt.ts:
 * 6 layers, d 384, 6 heads of 64, context 256, batch 8, vocab 8192, GELU MLP 4x, untied
 * embeddings, no biases, AdamW lr 3e-4 wd 0.1) in our engine, next to the same model in PyTorch
 * (CPU, bench/python/train_step.py) in the same run, one after the other, both on 2 threads
 * (ours: the addon's pool via setThreads, which every kernel and the sgemm split use; PyTorch:
 * torch.set_num_threads).
 * WARMUP steps, then BENCH_STEPS (default 20) timed steps; random tokens. The full run takes about
 * a minute; BENCH_STEPS=3 for a quick one.
 *
 * MFU = achieved FLOP/s / PEAK (510 GFLOP/s fp32, 2 cores), with FLOPs per token
 *   6 N + 12 L T d   (N = parameters in weight matrices, i.e. all but the input embedding and the
 *                     norms; the attention term counts full, not causal, QK^T and PV, as PaLM does)
 * Peak RSS: ours is this process's maxRSS (so it includes Node itself); PyTorch's is its child's
 * ru_maxrss.
 * Then one more step with every backend kernel timed (BENCH_PROFILE=0 skips it): where the time
 * goes, kernel by kernel, native (C/OpenBLAS) or reference (TypeScript).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  AdamW, backward, getBackend, loadNative, nativeProblem, reference, setBackend, step,
} from '../src/tensor/index.js';
import type { Backend, TransformerKernels } from '../src/tensor/index.js';
import { pythonWith } from '../test/helpers/python.js';
import { BENCH_GPT, Gpt, rng } from './gpt.js';

const SCRIPT = fileURLToPath(new URL('../../bench/python/train_step.py', import.meta.url));
const STEPS = Number(process.env.BENCH_STEPS ?? 20);
const WARMUP = 3;
const THREADS = 2;
const BATCH = 8;
const PEAK_GFLOPS = 510;
const LR = 3e-4, WEIGHT_DECAY = 0.1;

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

interface Peer { backend: string; tokens_per_s: number; step_s: number; peak_rss_mb: number; loss: number }

function pytorch(bin: string): Peer | undefined {
  const args = [SCRIPT, String(STEPS), String(WARMUP), String(THREADS), String(BATCH)];
  const run = spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) {
    process.stderr.write(`PyTorch peer failed: ${run.stderr}\n`);
    return undefined;
  }
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as Peer;
}

interface KernelTime { ms: number; calls: number; native: boolean; flops: number }

/** A copy of `base` whose every kernel adds its wall time to `times`. */
function timedBackend(base: Backend, times: Map<string, KernelTime>): Backend {
  const wrap = <F extends (...args: never[]) => unknown>(name: string, fn: F, native: boolean, flops?: (...a: Parameters<F>) => number): F =>
    ((...args: Parameters<F>) => {
      const t0 = performance.now();
      try {
        return fn(...args);
      } finally {
        const entry = times.get(name) ?? { ms: 0, calls: 0, native, flops: 0 };
        entry.ms += performance.now() - t0;
        entry.calls++;
        if (flops) entry.flops += flops(...args);
        times.set(name, entry);
      }
    }) as F;
  const out: Record<string, unknown> = { ...base };
  for (const [name, fn] of Object.entries(base)) {
    if (typeof fn !== 'function' || name === 'sgemm') continue;
    out[name] = wrap(name, fn as (...a: never[]) => unknown, fn !== (reference as unknown as Record<string, unknown>)[name]);
  }
  // sgemm split by transposes: NN is a forward or dX, NT a linear forward, TN a weight gradient
  const sgemmNative = base.sgemm !== reference.sgemm;
  out.sgemm = (tA: boolean, tB: boolean, M: number, N: number, K: number, ...rest: unknown[]) =>
    wrap(`sgemm ${tA ? 'T' : 'N'}${tB ? 'T' : 'N'}`, base.sgemm as (...a: unknown[]) => void, sgemmNative, () => 2 * M * N * K)(tA, tB, M, N, K, ...rest);
  const tk = { ...(reference.transformer as TransformerKernels), ...base.transformer };
  const refTk = reference.transformer as TransformerKernels;
  out.transformer = Object.fromEntries(Object.entries(tk).map(([name, fn]) =>
    [name, wrap(name, fn as (...a: never[]) => unknown, fn !== refTk[name as keyof TransformerKernels])]));
  return { ...(out as unknown as Backend), name: `${base.name} (timed)` };
}

export async function benchTrainStep(): Promise<void> {
  const addon = loadNative();
  if (addon) addon.setThreads(THREADS);
  else process.stderr.write(`train-step: native kernels not built (${nativeProblem()}); ours runs the reference\n`);
  const cfg = BENCH_GPT;
  const T = cfg.context, tokens = BATCH * T;
  const model = new Gpt(cfg, 1);
  const params = model.parameters();
  const optimizer = new AdamW(params, { lr: LR, weightDecay: WEIGHT_DECAY });
  const total = params.reduce((s, p) => s + p.size, 0), N = model.matmulParameters();
  const flopsPerToken = 6 * N + 12 * cfg.layers * T * cfg.d;

  const next = rng(7);
  const batches = Array.from({ length: 4 }, () => {
    const ids = new Int32Array(tokens), targets = new Int32Array(tokens);
    for (let i = 0; i < tokens; i++) ids[i] = Math.floor(next() * cfg.vocab);
    for (let i = 0; i < tokens; i++) targets[i] = Math.floor(next() * cfg.vocab);
    return { ids, targets };
  });
  let batchIndex = 0;
  const trainStep = (): number => step(() => {
    const { ids, targets } = batches[batchIndex++ % batches.length]!;
    optimizer.zeroGrad();
    const loss = model.loss(ids, targets, BATCH, T);
    backward(loss);
    optimizer.step();
    return loss.item();
  });

  console.log(`train-step: GPT ${cfg.layers} layers, d ${cfg.d}, ${cfg.heads} heads (kv ${cfg.kvHeads}), context ${T}, ` +
    `batch ${BATCH}, vocab ${cfg.vocab}; ${(total / 1e6).toFixed(2)}M parameters (${(N / 1e6).toFixed(2)}M in matmuls)`);
  console.log(`ours: backend ${getBackend().name}${addon ? `, ${addon.blasInfo().config} (kernels ${addon.blasInfo().core}), ${addon.getThreads()} threads` : ''}`);
  console.log(`FLOPs/token = 6 N + 12 L T d = ${(flopsPerToken / 1e6).toFixed(1)} MFLOP; ${WARMUP} warm-up + ${STEPS} timed steps of ${tokens} tokens`);

  for (let i = 0; i < WARMUP; i++) {
    const t0 = performance.now();
    const loss = trainStep();
    console.log(`  ours warm-up ${i + 1}: ${((performance.now() - t0) / 1000).toFixed(2)}s, loss ${loss.toFixed(4)}`);
  }
  const started = performance.now();
  let lastLoss = NaN;
  for (let i = 0; i < STEPS; i++) lastLoss = trainStep();
  const oursSeconds = (performance.now() - started) / 1000;
  const ours = (STEPS * tokens) / oursSeconds;
  const oursRss = process.resourceUsage().maxRSS / 1024;
  const mfu = (ours * flopsPerToken) / (PEAK_GFLOPS * 1e9);
  console.log(`ours:    ${(oursSeconds / STEPS).toFixed(3)} s/step, ${round(ours)} tokens/s, loss ${lastLoss.toFixed(4)}, ` +
    `MFU ${(mfu * 100).toFixed(2)}%, peak RSS ${round(oursRss)} MB`);

  const bin = await pythonWith(['torch']);
  const peer = bin ? pytorch(bin) : undefined;
  if (peer) {
    console.log(`pytorch: ${peer.backend}`);
    console.log(`pytorch: ${peer.step_s.toFixed(3)} s/step, ${round(peer.tokens_per_s)} tokens/s, loss ${peer.loss.toFixed(4)}, ` +
      `MFU ${((peer.tokens_per_s * flopsPerToken) / (PEAK_GFLOPS * 1e9) * 100).toFixed(2)}%, peak RSS ${round(peer.peak_rss_mb)} MB`);
  }
  const ratio = peer ? ours / peer.tokens_per_s : NaN;
  console.log(`ratio ours/pytorch: ${ratio.toFixed(3)}`);

  if (process.env.BENCH_PROFILE !== '0') {
    const times = new Map<string, KernelTime>();
    const base = getBackend();
    setBackend(timedBackend(base, times));
    let stepMs: number;
    try {
      const t0 = performance.now();
      trainStep();
      stepMs = performance.now() - t0;
    } finally {
      setBackend(base);
    }
    const kernelMs = [...times.values()].reduce((s, e) => s + e.ms, 0);
    console.log(`\nprofile of one step (${(stepMs / 1000).toFixed(3)} s; kernels ${(kernelMs / 1000).toFixed(3)} s, ` +
      `outside kernels ${((stepMs - kernelMs) / 1000).toFixed(3)} s):`);
    console.log(`  ${'kernel'.padEnd(22)}${'kind'.padEnd(11)}${'calls'.padStart(6)}${'seconds'.padStart(9)}${'share'.padStart(8)}  GFLOP/s`);
    for (const [name, e] of [...times.entries()].sort((a, b) => b[1].ms - a[1].ms)) {
      const gflops = e.flops > 0 ? (e.flops / (e.ms / 1000) / 1e9).toFixed(1) : '';
      console.log(`  ${name.padEnd(22)}${(e.native ? 'native' : 'reference').padEnd(11)}${String(e.calls).padStart(6)}` +
        `${(e.ms / 1000).toFixed(3).padStart(9)}${((e.ms / stepMs) * 100).toFixed(1).padStart(7)}%  ${gflops}`);
    }
  }

  console.log(JSON.stringify({
    bench: 'train-step', ours_tokens_per_s: round(ours), pytorch_tokens_per_s: round(peer?.tokens_per_s ?? NaN),
    ratio: Math.round(ratio * 1000) / 1000, mfu: Math.round(mfu * 10000) / 10000,
    ours_peak_rss_mb: round(oursRss), pytorch_peak_rss_mb: round(peer?.peak_rss_mb ?? NaN),
  }));
}
