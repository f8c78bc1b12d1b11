/**
 * The `native` backend: the C kernels of native/ (a Node-API addon over OpenBLAS), built by
 * `npm install` into build/Release/apertus_native.node. It implements every kernel of the
 * interface. Float32 only: `backendFor` already sends float64 buffers to `reference`, and the
 * addon throws on anything but a Float32Array.
 *
 * `selectBackend()` (run when `tensor/index.ts` loads) makes it the active backend when it is
 * built; when not, it says so once on stderr and keeps `reference`. APERTUS_BACKEND=reference|native
 * forces one (`native` then fails loudly instead of falling back).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { reference, setBackend } from './backend.js';
import type { Backend, TransformerKernels } from './backend.js';
import { crossEntropyBackward, crossEntropyForward } from './kernels/cross-entropy.js';
import { RMSNORM_EPS } from './kernels/rmsnorm.js';
import type { RopeTables } from './kernels/rope.js';
import { sigmoid, softplus, XIELU_BETA, XIELU_EPS } from './kernels/xielu.js';

/** The kernels the addon implements, with the `Backend` signatures. */
const NATIVE_KERNELS = [
  'sgemm', 'add', 'sub', 'mul', 'mulBackward', 'scale', 'axpy', 'relu', 'reluBackward', 'gelu',
  'geluBackward', 'embedding', 'embeddingBackward', 'sum', 'sumSquares', 'sumToTrailing', 'adamw',
  'ademamix',
] as const satisfies readonly (keyof Backend)[];

type NativeKernels = Pick<Backend, (typeof NATIVE_KERNELS)[number]>;

/** The transformer kernels the addon implements (native/attention.c, native/cross-entropy.c): the
 * reference signatures, except that every argument is required (the wrappers in `nativeBackend`
 * pass `{}` for no attention options, null for no losses buffer, 1 for the default dloss). */
const NATIVE_TRANSFORMER = [
  'attentionForward', 'attentionBackward', 'crossEntropyForward', 'crossEntropyBackward', 'rmsnormForward',
  'rmsnormBackward',
] as const satisfies readonly (keyof TransformerKernels)[];
type NativeTransformer = Pick<TransformerKernels, (typeof NATIVE_TRANSFORMER)[number]>;

/** Kernels whose addon signature differs from the reference's (plain arrays and numbers instead
 * of tables and parameter objects; the wrappers in `nativeBackend` adapt). */
interface NativeAdapted {
  ropeForward(out: Float32Array, x: Float32Array, cos: Float64Array, sin: Float64Array, maxPositions: number,
    D: number, B: number, T: number, H: number, positions: Int32Array | null): void;
  ropeBackward(dx: Float32Array, dout: Float32Array, cos: Float64Array, sin: Float64Array, maxPositions: number,
    D: number, B: number, T: number, H: number, positions: Int32Array | null): void;
  xieluForward(out: Float32Array, x: Float32Array, n: number, aP: number, aN: number, beta: number, eps: number): void;
  /** -> [sum dy dy/da_p, sum dy dy/da_n] */
  xieluBackward(dx: Float32Array, dout: Float32Array, x: Float32Array, n: number, aP: number, aN: number,
    beta: number, eps: number): [number, number];
}

export interface NativeAddon extends NativeKernels, NativeTransformer, NativeAdapted {
  /** The addon pool's thread count (every kernel, sgemm included, splits over it). */
  setThreads(n: number): void;
  getThreads(): number;
  /** OpenBLAS's own thread count (1 by default; above 1 sgemm hands whole products to it). */
  setBlasThreads(n: number): void;
  getBlasThreads(): number;
  /** Which OpenBLAS build and which of its kernel sets (`core`, e.g. Haswell) are in use. */
  blasInfo(): { config: string; core: string };
}

// From dist/src/tensor/ (compiled) or src/tensor/ up to the package root.
const CANDIDATES = ['../../../build/Release/apertus_native.node', '../../build/Release/apertus_native.node']
  .map((path) => fileURLToPath(new URL(path, import.meta.url)));

let loaded: { addon?: NativeAddon; problem?: string } | undefined;

/**
 * OpenBLAS 0.3.21 does not recognise recent Xeons and falls back to its SSE3 (Prescott) kernels,
 * ~8x slower. Unless the user chose a core (OPENBLAS_CORETYPE is always respected), pick the
 * AVX-512 one (SkylakeX) where the CPU has AVX-512 F/BW/DQ/VL, else the AVX2 one (Haswell) where
 * it has AVX2 and FMA. It must be set before the addon (and so libopenblas) loads: OpenBLAS reads
 * it at start-up. The native tests check every kernel against the reference under the core chosen.
 */
export function chooseBlasCore(cpuinfo?: string): string | undefined {
  if (process.env.OPENBLAS_CORETYPE || process.platform !== 'linux') return process.env.OPENBLAS_CORETYPE;
  try {
    const flags = /^flags\s*:(.*)$/m.exec(cpuinfo ?? readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim().split(/\s+/) ?? [];
    const has = (...names: string[]) => names.every((name) => flags.includes(name));
    if (has('avx512f', 'avx512bw', 'avx512dq', 'avx512vl')) process.env.OPENBLAS_CORETYPE = 'SkylakeX';
    else if (has('avx2', 'fma')) process.env.OPENBLAS_CORETYPE = 'Haswell';
  } catch {
    // No /proc/cpuinfo: leave OpenBLAS to its own detection.
  }
  return process.env.OPENBLAS_CORETYPE;
}

/** The addon, or undefined with the reason in `nativeProblem()`. Loads once. */
export function loadNative(): NativeAddon | undefined {
  if (loaded) return loaded.addon;
  const path = CANDIDATES.find((p) => existsSync(p));
  if (!path) {
    loaded = { problem: `${CANDIDATES[0]} not found; build it with \`node scripts/build-native.js\`` };
    return undefined;
  }
  chooseBlasCore();
  try {
    loaded = { addon: createRequire(import.meta.url)(path) as NativeAddon };
  } catch (err) {
    loaded = { problem: `${path} failed to load: ${(err as Error).message}` };
  }
  return loaded.addon;
}

export function nativeProblem(): string | undefined {
  loadNative();
  return loaded?.problem;
}

/** The native backend over `addon`: its kernels, the reference for every entry it lacks. */
export function nativeBackend(addon: NativeAddon): Backend {
  const kernels = Object.fromEntries(NATIVE_KERNELS.map((name) => [name, addon[name]])) as NativeKernels;
  const transformer: NativeTransformer = {
    attentionForward: (out, lse, q, k, v, shape, options = {}) => addon.attentionForward(out, lse, q, k, v, shape, options),
    attentionBackward: (dq, dk, dv, dout, q, k, v, out, lse, shape, options = {}) =>
      addon.attentionBackward(dq, dk, dv, dout, q, k, v, out, lse, shape, options),
    // The addon takes a Uint8Array or Float32Array mask; a Float64Array one goes to the reference.
    crossEntropyForward: (lse, logits, targets, mask, N, V, losses) =>
      mask instanceof Float64Array
        ? crossEntropyForward(lse, logits, targets, mask, N, V, losses)
        : addon.crossEntropyForward(lse, logits, targets, mask, N, V, (losses ?? null) as unknown as undefined),
    crossEntropyBackward: (dlogits, logits, lse, targets, mask, N, V, dloss = 1) =>
      mask instanceof Float64Array
        ? crossEntropyBackward(dlogits, logits, lse, targets, mask, N, V, dloss)
        : addon.crossEntropyBackward(dlogits, logits, lse, targets, mask, N, V, dloss),
    rmsnormForward: (out, rstd, x, weight, N, C, eps = RMSNORM_EPS) => addon.rmsnormForward(out, rstd, x, weight, N, C, eps),
    rmsnormBackward: (dx, dweight, dout, x, weight, rstd, N, C) => addon.rmsnormBackward(dx, dweight, dout, x, weight, rstd, N, C),
  };
  const adapted: Pick<TransformerKernels, 'ropeForward' | 'ropeBackward' | 'xieluForward' | 'xieluBackward'> = {
    ropeForward: (out, x, tables: RopeTables, B, T, H, positions) => addon.ropeForward(out as Float32Array,
      x as Float32Array, tables.cos, tables.sin, tables.maxPositions, tables.headDim, B, T, H, positions ?? null),
    ropeBackward: (dx, dout, tables: RopeTables, B, T, H, positions) => addon.ropeBackward(dx as Float32Array,
      dout as Float32Array, tables.cos, tables.sin, tables.maxPositions, tables.headDim, B, T, H, positions ?? null),
    xieluForward: (out, x, params, beta = XIELU_BETA, eps = XIELU_EPS) => addon.xieluForward(out as Float32Array,
      x as Float32Array, x.length, softplus(params.alphaP), beta + softplus(params.alphaN), beta, eps),
    xieluBackward: (dx, dout, x, params, beta = XIELU_BETA, eps = XIELU_EPS) => {
      const [sumP, sumN] = addon.xieluBackward(dx as Float32Array, dout as Float32Array, x as Float32Array, x.length,
        softplus(params.alphaP), beta + softplus(params.alphaN), beta, eps);
      // chain through softplus: d softplus(a)/da = sigmoid(a)
      return { alphaP: sumP * sigmoid(params.alphaP), alphaN: sumN * sigmoid(params.alphaN) };
    },
  };
  return { ...reference, ...kernels, transformer: { ...reference.transformer, ...transformer, ...adapted }, name: 'native' };
}

let warned = false;

/**
 * Sets the active backend from `choice` (default: APERTUS_BACKEND, else native when built) and
 * returns it. Without the addon it warns once and uses the reference.
 */
export function selectBackend(choice = process.env.APERTUS_BACKEND): Backend {
  if (choice !== undefined && choice !== '' && choice !== 'native' && choice !== 'reference') {
    throw new Error(`APERTUS_BACKEND must be "native" or "reference", got "${choice}"`);
  }
  let backend = reference;
  if (choice !== 'reference') {
    const addon = loadNative();
    if (addon) backend = nativeBackend(addon);
    else if (choice === 'native') throw new Error(`APERTUS_BACKEND=native, but the native kernels are not available: ${nativeProblem()}`);
    else if (!warned) {
      warned = true;
      process.stderr.write(`apertus-ts: native kernels not built (${nativeProblem()}); using the TypeScript reference kernels\n`);
    }
  }
  setBackend(backend);
  return backend;
}
