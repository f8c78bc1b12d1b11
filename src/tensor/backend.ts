/**
 * The compute backend: the small set of kernels every tensor op is written in.
 *
 * A backend works on flat typed-array views with explicit sizes; it knows nothing of Tensor,
 * shapes beyond the numbers it is given, or autograd. `reference` (pure TypeScript, here) is the
 * ground truth; a native addon (C + OpenBLAS) or a CUDA backend implements the same interface and
 * is tested against it. Conventions, so an implementation in C can follow them without reading ops:
 *
 * - Row-major, contiguous. A batch of matrices is passed as `subarray` views (no offsets/strides).
 * - Sizes first, then inputs, then outputs (BLAS order), except where a kernel family says otherwise.
 * - Backward kernels ACCUMULATE into gradient buffers (`dx += ...`); forward kernels overwrite.
 * - Buffers are `Floats` (Float32Array | Float64Array). Training uses float32; float64 exists so
 *   gradient checks run the same code. A native backend may accept only Float32Array and leave
 *   float64 to `reference` (see `backendFor`).
 * - Reductions return a JS number and should accumulate in double precision.
 */
import * as elementwise from './kernels/elementwise.js';
import * as embedding from './kernels/embedding.js';
import { gemm } from './kernels/matmul.js';
import * as optim from './kernels/optim.js';
import * as reduce from './kernels/reduce.js';
import { attentionBackward, attentionForward } from './kernels/attention.js';
import { crossEntropyBackward, crossEntropyForward } from './kernels/cross-entropy.js';
import { rmsnormBackward, rmsnormForward } from './kernels/rmsnorm.js';
import { ropeBackward, ropeForward } from './kernels/rope.js';
import { xieluBackward, xieluForward } from './kernels/xielu.js';
import type { AdamWStep, AdEMAMixStep } from './kernels/optim.js';
import type { Floats } from './kernels/types.js';

export type { Floats } from './kernels/types.js';
export type { AdamWStep, AdEMAMixStep } from './kernels/optim.js';

/** The transformer kernels, typed by their reference bodies (see each file for shapes). */
export interface TransformerKernels {
  rmsnormForward: typeof rmsnormForward;
  rmsnormBackward: typeof rmsnormBackward;
  ropeForward: typeof ropeForward;
  ropeBackward: typeof ropeBackward;
  attentionForward: typeof attentionForward;
  attentionBackward: typeof attentionBackward;
  crossEntropyForward: typeof crossEntropyForward;
  crossEntropyBackward: typeof crossEntropyBackward;
  xieluForward: typeof xieluForward;
  xieluBackward: typeof xieluBackward;
}

export interface Backend {
  readonly name: string;

  /** C[M,N] = alpha op(A) op(B) + beta C; A is [M,K] or, transposed, [K,M]; B is [K,N] or [N,K]. */
  sgemm(transA: boolean, transB: boolean, M: number, N: number, K: number,
    alpha: number, A: Floats, B: Floats, beta: number, C: Floats): void;

  // Elementwise; b has bn elements broadcast as b[i % bn] (bn = n for same shapes).
  add(n: number, a: Floats, b: Floats, bn: number, out: Floats): void;
  sub(n: number, a: Floats, b: Floats, bn: number, out: Floats): void;
  mul(n: number, a: Floats, b: Floats, bn: number, out: Floats): void;
  /** da += dy * b[i % bn];  db[i % bn] += dy * a; null skips a gradient. */
  mulBackward(n: number, a: Floats, b: Floats, bn: number, dy: Floats, da: Floats | null, db: Floats | null): void;
  scale(n: number, alpha: number, x: Floats, out: Floats): void;
  /** y += alpha x */
  axpy(n: number, alpha: number, x: Floats, y: Floats): void;
  relu(n: number, x: Floats, out: Floats): void;
  reluBackward(n: number, x: Floats, dy: Floats, dx: Floats): void;
  /** GELU, tanh approximation (GPT-2). */
  gelu(n: number, x: Floats, out: Floats): void;
  geluBackward(n: number, x: Floats, dy: Floats, dx: Floats): void;

  /** table [V,C], ids [N] -> out [N,C]; throws on an id outside [0, V). */
  embedding(N: number, C: number, V: number, table: Floats, ids: Int32Array, out: Floats): void;
  /** dTable [V,C] += scatter of dOut [N,C] by ids. */
  embeddingBackward(N: number, C: number, dOut: Floats, ids: Int32Array, dTable: Floats): void;

  sum(n: number, x: Floats): number;
  /** sum x^2, for global-norm gradient clipping. */
  sumSquares(n: number, x: Floats): number;
  /** out[j] += alpha sum_{i % bn == j} x[i]: backward of a broadcast trailing vector. */
  sumToTrailing(n: number, bn: number, alpha: number, x: Floats, out: Floats): void;

  /** Fused AdamW step in place over param, m, v. */
  adamw(n: number, param: Floats, grad: Floats, m: Floats, v: Floats, step: AdamWStep): void;
  /** Fused AdEMAMix step in place over param, m1, m2, v. */
  ademamix(n: number, param: Floats, grad: Floats, m1: Floats, m2: Floats, v: Floats, step: AdEMAMixStep): void;

  /**
   * Transformer kernels (src/tensor/kernels/{rmsnorm,rope,attention,cross-entropy,xielu}.ts):
   * forward/backward pure functions over typed arrays with their own argument order (outputs
   * first, sizes last). Partial: a backend supplies the ones it accelerates; the ops fall back
   * to `reference.transformer` for the rest.
   */
  transformer?: Partial<TransformerKernels>;
}

/** The pure-TypeScript backend: plain loops, generic over float32/float64, the ground truth. */
export const reference: Backend = {
  name: 'reference',
  sgemm: gemm,
  ...elementwise,
  ...embedding,
  ...reduce,
  ...optim,
  transformer: {
    rmsnormForward, rmsnormBackward, ropeForward, ropeBackward, attentionForward, attentionBackward,
    crossEntropyForward, crossEntropyBackward, xieluForward, xieluBackward,
  },
};

let active: Backend = reference;

/** The backend ops use. A native backend registers itself here once it has loaded. */
export function getBackend(): Backend {
  return active;
}

export function setBackend(backend: Backend): void {
  active = backend;
}

/**
 * The backend for one buffer: float64 always goes to `reference`, so a float32-only native
 * backend never sees it.
 */
export function backendFor(buffer: Floats): Backend {
  return buffer instanceof Float64Array ? reference : active;
}
