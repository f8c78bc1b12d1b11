/**
 * The `native` backend: the C kernels of native/ (a Node-API addon over OpenBLAS), built by
 * `npm install` into build/Release/apertus_native.node. Entries the addon does not have yet
 * (most transformer kernels; attention is native) are the reference ones. Float32 only: `backendFor` already sends
 * float64 buffers to `reference`, and the addon throws on anything but a Float32Array.
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
  'attentionForward', 'attentionBackward', 'crossEntropyForward', 'crossEntropyBackward',
] as const satisfies readonly (keyof TransformerKernels)[];
type NativeTransformer = Pick<TransformerKernels, (typeof NATIVE_TRANSFORMER)[number]>;

export interface NativeAddon extends NativeKernels, NativeTransformer {
  /** OpenBLAS's thread count for the following sgemm calls. */
  setThreads(n: number): void;
  getThreads(): number;
  /** Which OpenBLAS build and which of its kernel sets (`core`, e.g. Haswell) are in use. */
  blasInfo(): { config: string; core: string };
}

// From dist/src/tensor/ (compiled) or src/tensor/ up to the package root.
const CANDIDATES = ['../../../build/Release/apertus_native.node', '../../build/Release/apertus_native.node']
  .map((path) => fileURLToPath(new URL(path, import.meta.url)));

let loaded: { addon?: NativeAddon; problem?: string } | undefined;

/**
 * OpenBLAS 0.3.21 does not recognise recent Xeons and falls back to its SSE3 (Prescott) kernels,
 * ~8x slower. Unless the user chose a core, pick the AVX2 one where the CPU has AVX2 and FMA.
 * It must be set before the addon (and so libopenblas) loads: OpenBLAS reads it at start-up.
 */
function chooseBlasCore(): void {
  if (process.env.OPENBLAS_CORETYPE || process.platform !== 'linux') return;
  try {
    const flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.split(' ') ?? [];
    if (flags.includes('avx2') && flags.includes('fma')) process.env.OPENBLAS_CORETYPE = 'Haswell';
  } catch {
    // No /proc/cpuinfo: leave OpenBLAS to its own detection.
  }
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
  };
  return { ...reference, ...kernels, transformer: { ...reference.transformer, ...transformer }, name: 'native' };
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
