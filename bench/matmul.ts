/**
 * sgemm GFLOP/s of our native kernel (OpenBLAS through the addon) next to PyTorch's CPU matmul,
 * on the shapes of the benchmark transformer (d 384, 8 x 256 tokens, vocab 8192), with 1 and 2
 * threads, in the same run. The transposed variants are the ones a linear layer's forward
 * (x W^T) and weight gradient (dY^T X) use. Median of calls after a warm-up, same for both.
 * Ends with one JSON line for the largest shape at 2 threads.
 *
 * Threads: ours splits each product over the addon's pool (`setThreads`, OpenBLAS on one thread;
 * native/gemm.c); the `blas pool` column is the other choice, one call with OpenBLAS's own pool
 * (`setBlasThreads`), measured in the same run. PyTorch via torch.set_num_threads.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNative, nativeProblem } from '../src/tensor/native.js';
import type { NativeAddon } from '../src/tensor/native.js';
import { pythonWith } from '../test/helpers/python.js';

const SECONDS = Number(process.env.BENCH_MATMUL_SECONDS ?? 1);
const SCRIPT = fileURLToPath(new URL('../../bench/python/matmul.py', import.meta.url));
const THREADS = [1, 2];

interface Shape { name: string; transA: boolean; transB: boolean; M: number; N: number; K: number }

// Tokens 2048 = batch 8 x context 256; d 384; qkv 3 x 384 = 1152; vocab 8192. The last is the largest.
const SHAPES: Shape[] = [
  { name: 'qkv x W [2048,384]x[384,1152]', transA: false, transB: false, M: 2048, N: 1152, K: 384 },
  { name: 'qkv x W^T [2048,384]x[1152,384]^T', transA: false, transB: true, M: 2048, N: 1152, K: 384 },
  { name: 'qkv dW = X^T dY [2048,384]^T x[2048,1152]', transA: true, transB: false, M: 384, N: 1152, K: 2048 },
  { name: 'head dX = dY W [2048,8192]x[8192,384]', transA: false, transB: false, M: 2048, N: 384, K: 8192 },
  { name: 'head x W^T [2048,384]x[8192,384]^T', transA: false, transB: true, M: 2048, N: 8192, K: 384 },
  { name: 'head x W [2048,384]x[384,8192]', transA: false, transB: false, M: 2048, N: 8192, K: 384 },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function random(n: number): Float32Array {
  return Float32Array.from({ length: n }, () => Math.random());
}

/** GFLOP/s of the addon's sgemm on one shape: median seconds per call over about SECONDS. */
function ours(addon: NativeAddon, s: Shape): number {
  const A = random(s.M * s.K), B = random(s.K * s.N), C = new Float32Array(s.M * s.N);
  const call = () => addon.sgemm(s.transA, s.transB, s.M, s.N, s.K, 1, A, B, 0, C);
  call();
  call();
  const times: number[] = [];
  const started = performance.now();
  while (times.length < 5 || (performance.now() - started < SECONDS * 1000 && times.length < 200)) {
    const t0 = performance.now();
    call();
    times.push((performance.now() - t0) / 1000);
  }
  return (2 * s.M * s.N * s.K) / median(times) / 1e9;
}

/** PyTorch's GFLOP/s per shape name, or undefined (with the reason on stderr) without torch. */
async function pytorch(threads: number, shapesFile: string): Promise<{ backend: string; gflops: Map<string, number> } | undefined> {
  const bin = await pythonWith(['torch']);
  if (!bin) return undefined;
  const run = spawnSync(bin, [SCRIPT, shapesFile, String(threads), String(SECONDS)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) {
    process.stderr.write(`PyTorch peer failed: ${run.stderr}\n`);
    return undefined;
  }
  const out = JSON.parse(run.stdout.trim().split('\n').pop()!) as { backend: string; results: { name: string; gflops: number }[] };
  return { backend: out.backend, gflops: new Map(out.results.map((r) => [r.name, r.gflops])) };
}

const round = (x: number) => Math.round(x * 10) / 10;

export async function benchMatmul(): Promise<void> {
  const addon = loadNative();
  if (!addon) throw new Error(`bench matmul needs the native kernels: ${nativeProblem()}`);
  const { config, core } = addon.blasInfo();
  const dir = await mkdtemp(join(tmpdir(), 'bench-matmul-'));
  const shapesFile = join(dir, 'shapes.json');
  await writeFile(shapesFile, JSON.stringify(SHAPES));
  let headline = { ours: NaN, pytorch: NaN };
  try {
    console.log(`matmul: float32 sgemm GFLOP/s, median of calls over ~${SECONDS}s per shape`);
    console.log(`ours: ${config} (kernels: ${core}); OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? '(unset)'}`);
    for (const threads of THREADS) {
      const peer = await pytorch(threads, shapesFile);
      if (threads === THREADS[0]) console.log(`pytorch: ${peer?.backend ?? 'not available'}`);
      console.log(`\n${threads} thread(s)      ${'shape'.padEnd(44)} ours  blas pool  pytorch  ratio`);
      for (const s of SHAPES) {
        addon.setThreads(1);
        addon.setBlasThreads(threads);
        const blasPool = ours(addon, s);
        addon.setBlasThreads(1);
        addon.setThreads(threads);
        const mine = ours(addon, s), theirs = peer?.gflops.get(s.name) ?? NaN;
        console.log(`${' '.repeat(18)}${s.name.padEnd(44)}${round(mine).toString().padStart(5)}  ${round(blasPool).toString().padStart(9)}  ` +
          `${round(theirs).toString().padStart(7)}  ${(mine / theirs).toFixed(2)}`);
        if (threads === 2 && s === SHAPES[SHAPES.length - 1]) headline = { ours: mine, pytorch: theirs };
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.log(JSON.stringify({ bench: 'matmul', ours_gflops: round(headline.ours), pytorch_gflops: round(headline.pytorch), ratio: Math.round((headline.ours / headline.pytorch) * 100) / 100 }));
}
