/**
 * Differentiable transformer ops over the kernels of kernels/{rmsnorm,rope,attention,
 * cross-entropy,xielu}.ts: rmsnorm, rope, attention (causal, GQA, document masking),
 * crossEntropy (masked mean, scalar) and xielu (trainable alpha_p, alpha_n).
 *
 * As in ops.ts: each checks shapes, computes its forward into a pooled output (`allocate`) and
 * records its backward on the tape. Kernels come from the buffer's backend (`backendFor`): its
 * `transformer` entries, falling back to `reference.transformer` for those it lacks. Saved
 * forward state (rstd, lse) is allocated from the pool too, so a step() recycles it.
 */
import { backendFor, reference, type TransformerKernels } from './backend.js';
import type { AttentionOptions } from './kernels/attention.js';
import type { LossMask } from './kernels/cross-entropy.js';
import { RMSNORM_EPS } from './kernels/rmsnorm.js';
import type { RopeTables } from './kernels/rope.js';
import type { Floats } from './kernels/types.js';
import { checkDtypes } from './ops.js';
import { pool } from './pool.js';
import { allocate, record } from './tape.js';
import { formatShape, Tensor } from './tensor.js';

export { ATTENTION_BLOCK_SIZE, documentStarts } from './kernels/attention.js';
export type { AttentionOptions } from './kernels/attention.js';
export type { LossMask } from './kernels/cross-entropy.js';
export { RMSNORM_EPS } from './kernels/rmsnorm.js';
export { positionsFromDocIds, ropeTables } from './kernels/rope.js';
export type { Llama3Scaling, RopeConfig, RopeTables } from './kernels/rope.js';
export { softplus, softplusInverse, XIELU_BETA, XIELU_EPS, xieluInit } from './kernels/xielu.js';
export type { XieluParams } from './kernels/xielu.js';

/** The transformer kernels for one buffer: the backend's own, else the reference bodies. */
function kernelsFor(buffer: Floats): TransformerKernels {
  const k = backendFor(buffer);
  return { ...(reference.transformer as TransformerKernels), ...k.transformer };
}

/**
 * The gradient buffer of t when it needs one; else zeroed scratch from the pool, for kernels that
 * always write every gradient. `done()` gives the scratch back.
 */
function gradOrScratch(t: Tensor): { grad: Floats; done: () => void } {
  if (t.requiresGrad) return { grad: t.ensureGrad(), done: () => {} };
  const scratch = pool.take(t.size, t.dtype, true);
  return { grad: scratch, done: () => pool.give(scratch) };
}

// x [..., C], weight [C] -> out [..., C];  y = x / sqrt(mean(x^2) + eps) * w over the last dimension
export function rmsnorm(x: Tensor, weight: Tensor, eps = RMSNORM_EPS): Tensor {
  checkDtypes('rmsnorm', x, weight);
  const C = x.shape[x.shape.length - 1];
  if (x.shape.length < 1 || weight.shape.length !== 1 || weight.shape[0] !== C) {
    throw new Error(`rmsnorm: input ${formatShape(x.shape)} and weight ${formatShape(weight.shape)}: the weight must be [C] ` +
      'with C the last dimension of the input');
  }
  const N = x.size / C;
  const out = allocate(x.shape, x.dtype);
  const rstd = allocate([N], x.dtype);
  const k = kernelsFor(x.data);
  k.rmsnormForward(out.data, rstd.data, x.data, weight.data, N, C, eps);
  record(out, [x, weight], () => {
    const dx = gradOrScratch(x), dw = gradOrScratch(weight);
    k.rmsnormBackward(dx.grad, dw.grad, out.grad!, x.data, weight.data, rstd.data, N, C);
    dx.done();
    dw.done();
  });
  return out;
}

// x [B, T, H, D], positions [B, T] (default t) -> out [B, T, H, D]; D = tables.headDim
export function rope(x: Tensor, tables: RopeTables, positions?: Int32Array): Tensor {
  if (x.shape.length !== 4 || x.shape[3] !== tables.headDim) {
    throw new Error(`rope: input ${formatShape(x.shape)} must be [B, T, H, D] with D = ${tables.headDim} (the tables' headDim)`);
  }
  const [B, T, H] = x.shape;
  const out = allocate(x.shape, x.dtype);
  const k = kernelsFor(x.data);
  k.ropeForward(out.data, x.data, tables, B, T, H, positions);
  record(out, [x], () => k.ropeBackward(x.ensureGrad(), out.grad!, tables, B, T, H, positions));
  return out;
}

// q [B, T, Hq, D], k, v [B, T, Hkv, D] -> out [B, T, Hq, D]; causal, GQA (Hq a multiple of Hkv),
// tokens attend only within their document (options.docIds [B, T]); scale 1/sqrt(D)
export function attention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
  checkDtypes('attention', q, k, v);
  const bad = q.shape.length !== 4 || k.shape.length !== 4 || v.shape.length !== 4 ||
    k.shape.some((d, i) => d !== v.shape[i]) || k.shape[0] !== q.shape[0] || k.shape[1] !== q.shape[1] ||
    k.shape[3] !== q.shape[3];
  if (bad) {
    throw new Error(`attention: q ${formatShape(q.shape)}, k ${formatShape(k.shape)}, v ${formatShape(v.shape)}: ` +
      'need q [B, T, Hq, D] and k, v [B, T, Hkv, D]');
  }
  const [B, T, Hq, D] = q.shape;
  const Hkv = k.shape[2];
  if (Hq % Hkv !== 0) throw new Error(`attention: Hq=${Hq} query heads must be a multiple of Hkv=${Hkv} kv heads`);
  const shape = { B, T, Hq, Hkv, D };
  const out = allocate(q.shape, q.dtype);
  const lse = allocate([B, Hq, T], q.dtype);
  const kern = kernelsFor(q.data);
  kern.attentionForward(out.data, lse.data, q.data, k.data, v.data, shape, options);
  record(out, [q, k, v], () => {
    const dq = gradOrScratch(q), dk = gradOrScratch(k), dv = gradOrScratch(v);
    kern.attentionBackward(dq.grad, dk.grad, dv.grad, out.grad!, q.data, k.data, v.data, out.data, lse.data, shape, options);
    dq.done();
    dk.done();
    dv.done();
  });
  return out;
}

// logits [N, V], targets [N] (< 0 ignored), mask [N] optional -> [] the masked mean of -log p(target)
export function crossEntropy(logits: Tensor, targets: Int32Array, mask?: LossMask): Tensor {
  if (logits.shape.length !== 2) throw new Error(`crossEntropy: logits must be [N, V], got ${formatShape(logits.shape)}`);
  const [N, V] = logits.shape;
  if (targets.length !== N) throw new Error(`crossEntropy: logits ${formatShape(logits.shape)} need ${N} targets, got ${targets.length}`);
  const out = allocate([], logits.dtype);
  const lse = allocate([N], logits.dtype);
  const k = kernelsFor(logits.data);
  out.data[0] = k.crossEntropyForward(lse.data, logits.data, targets, mask, N, V);
  record(out, [logits], () => {
    const dloss = out.grad![0];
    // The kernel WRITES dlogits: straight into a fresh gradient, else via scratch and an add.
    if (logits.grad === null) {
      k.crossEntropyBackward(logits.ensureGrad(), logits.data, lse.data, targets, mask, N, V, dloss);
      return;
    }
    const scratch = pool.take(logits.size, logits.dtype);
    k.crossEntropyBackward(scratch, logits.data, lse.data, targets, mask, N, V, dloss);
    backendFor(logits.data).axpy(logits.size, 1, scratch, logits.grad);
    pool.give(scratch);
  });
  return out;
}

// x [...], alphaP [1], alphaN [1] (pre-softplus, trainable) -> out [...]
export function xielu(x: Tensor, alphaP: Tensor, alphaN: Tensor): Tensor {
  checkDtypes('xielu', x, alphaP, alphaN);
  if (alphaP.size !== 1 || alphaN.size !== 1) {
    throw new Error(`xielu: alphaP ${formatShape(alphaP.shape)} and alphaN ${formatShape(alphaN.shape)} must have one element each`);
  }
  const params = { alphaP: alphaP.data[0], alphaN: alphaN.data[0] };
  const out = allocate(x.shape, x.dtype);
  const k = kernelsFor(x.data);
  k.xieluForward(out.data, x.data, params);
  record(out, [x, alphaP, alphaN], () => {
    const dx = gradOrScratch(x);
    const g = k.xieluBackward(dx.grad, out.grad!, x.data, params);
    dx.done();
    if (alphaP.requiresGrad) alphaP.ensureGrad()[0] += g.alphaP;
    if (alphaN.requiresGrad) alphaN.ensureGrad()[0] += g.alphaN;
  });
  return out;
}
