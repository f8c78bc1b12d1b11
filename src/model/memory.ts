/**
 * Memory of one training step of this engine, counted from what the code keeps alive: inside
 * `step()` every op output stays until the step ends, and backward gives most of them a gradient
 * buffer of the same size, so activation memory is about twice the forward outputs.
 * For "the largest model that trains on this machine" statements; the estimate is checked
 * against the pool's high-water mark in test/model/memory.test.ts.
 */
import { parameterCount, type ModelConfig } from './config.js';

export interface MemoryOptions {
  batchSize: number;
  seqLen: number;
  /** moment buffers per parameter: adamw 2, ademamix 3 (default), sgd 0 */
  optimizer?: 'adamw' | 'ademamix' | 'sgd';
  /** 4 for float32 (default), 8 for float64 */
  bytesPerElement?: number;
}

export interface MemoryEstimate {
  parameters: number;
  /** bytes of each part */
  weights: number;
  gradients: number;
  optimizerStates: number;
  /** forward outputs kept for backward */
  activations: number;
  /** gradients of those outputs (backward) */
  activationGradients: number;
  total: number;
}

/** Elements one token keeps per step, forward outputs only (see apertus.ts for the ops). */
export function activationElementsPerToken(config: ModelConfig): number {
  const { hiddenSize: C, intermediateSize: F, numHeads: Hq, numKvHeads: Hkv, headDim: D, numLayers: L, vocabSize: V } = config;
  // per layer: 2 norms (C + rstd), q (linear, qk-norm, rope, attention out), k (linear, norm, rope),
  // v, rstds and lse per head, o_proj and its residual add, up, xielu, down and its residual add
  const layer = 2 * (C + 1) + 4 * Hq * D + 4 * Hkv * D + 2 * Hq + Hkv + 2 * C + 2 * F + 2 * C;
  // embedding, final norm, logits and cross-entropy's logsumexp
  return C + L * layer + (C + 1) + V + 1;
}

/**
 * Elements of the activation gradients one token gets in backward: one buffer per op output that
 * needs a gradient (reshape views share their source's; saved rstd and logsumexp get none).
 */
export function activationGradientElementsPerToken(config: ModelConfig): number {
  const { hiddenSize: C, intermediateSize: F, numHeads: Hq, numKvHeads: Hkv, headDim: D, numLayers: L, vocabSize: V } = config;
  // attention: norm, q (linear, qk-norm, rope, attention), k and v (linear; k: norm, rope), o_proj, residual add
  const attention = 3 * C + 4 * Hq * D + 4 * Hkv * D;
  // MLP: norm, up, xielu, down, residual add
  const mlp = 3 * C + 2 * F;
  // embedding, final norm, logits
  return C + L * (attention + mlp) + C + V;
}

export function trainingMemory(config: ModelConfig, options: MemoryOptions): MemoryEstimate {
  const bytes = options.bytesPerElement ?? 4;
  const slots = { adamw: 2, ademamix: 3, sgd: 0 }[options.optimizer ?? 'ademamix'];
  const parameters = parameterCount(config);
  const weights = parameters * bytes;
  const gradients = parameters * bytes;
  const optimizerStates = slots * parameters * bytes;
  const activations = options.batchSize * options.seqLen * activationElementsPerToken(config) * bytes;
  const activationGradients = options.batchSize * options.seqLen * activationGradientElementsPerToken(config) * bytes;
  return {
    parameters, weights, gradients, optimizerStates, activations, activationGradients,
    total: weights + gradients + optimizerStates + activations + activationGradients,
  };
}

/** "1.23 GiB" */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes, unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 2)} ${units[unit]}`;
}
