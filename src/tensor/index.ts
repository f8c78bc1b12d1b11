// The tensor engine: tensors, autograd, ops, optimizers and the compute backend interface.
import { selectBackend } from './native.js';

export { backendFor, getBackend, reference, setBackend } from './backend.js';
export type { AdamWStep, AdEMAMixStep, Backend, Floats, TransformerKernels } from './backend.js';
export { linear, matmul } from './linalg.js';
export type { MatmulOptions } from './linalg.js';
export { add, embedding, gelu, mean, mul, relu, reshape, scale, sub, sum } from './ops.js';
export * from './transformer-ops.js';
export { AdamW, AdEMAMix, ademamixAlpha, ademamixBeta3, clipGradNorm } from './optim.js';
export type { AdamWOptions, AdEMAMixOptions, OptimizerState } from './optim.js';
export { BufferPool, pool } from './pool.js';
export type { DType, PoolStats } from './pool.js';
export { allocate, backward, isGradEnabled, noGrad, record, step, track } from './tape.js';
export { formatShape, sizeOf, Tensor } from './tensor.js';
export type { TensorOptions } from './tensor.js';
export { loadNative, nativeBackend, nativeProblem, selectBackend } from './native.js';
export type { NativeAddon } from './native.js';

// Importing the engine selects its backend: native when built (or as APERTUS_BACKEND says).
selectBackend();
