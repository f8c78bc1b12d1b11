// Rotary position embedding (RoPE), forward and backward, half-split convention: dimension c
// pairs with c + D/2, as GPT-NeoX, Llama and transformers' `rotate_half` (used by Apertus) do.
//   out[c]       = x[c] cos(p f_c) - x[c + D/2] sin(p f_c)
//   out[c + D/2] = x[c + D/2] cos(p f_c) + x[c] sin(p f_c),   f_c = theta^(-2c/D)
// Backward is the rotation by the negative angle (the transpose of a rotation).
// Position ids let documents packed into one sequence restart at position 0.
import { checkLength, checkSize, type Floats } from './types.js';

/** Llama 3 "rope_scaling" (rope_type "llama3"): stretches low frequencies for long context. */
export interface Llama3Scaling {
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositions: number;
}

export interface RopeConfig {
  headDim: number;
  maxPositions: number;
  /** Base of the frequencies: 10000 in the RoPE paper, 500000 in Apertus pretraining (R8). */
  theta?: number;
  scaling?: Llama3Scaling;
}

/** cos and sin of p * f_c, built once: [maxPositions, headDim/2] each. */
export interface RopeTables {
  headDim: number;
  maxPositions: number;
  cos: Float64Array;
  sin: Float64Array;
}

// -> [D/2] inverse frequencies, with transformers' llama3 rule when scaling is given
export function ropeInverseFrequencies(headDim: number, theta = 10000, scaling?: Llama3Scaling): Float64Array {
  const half = headDim / 2;
  const inv = new Float64Array(half);
  for (let c = 0; c < half; c++) inv[c] = 1 / Math.pow(theta, (2 * c) / headDim);
  if (scaling === undefined) return inv;
  const { factor, lowFreqFactor, highFreqFactor, originalMaxPositions } = scaling;
  const lowFreqWavelen = originalMaxPositions / lowFreqFactor;
  const highFreqWavelen = originalMaxPositions / highFreqFactor;
  for (let c = 0; c < half; c++) {
    const wavelen = (2 * Math.PI) / inv[c];
    if (wavelen > lowFreqWavelen) inv[c] /= factor; // long waves: interpolate fully
    else if (wavelen >= highFreqWavelen) {
      // between the two: blend smoothly so frequencies stay monotone
      const smooth = (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
      inv[c] = (1 - smooth) * (inv[c] / factor) + smooth * inv[c];
    } // short waves (wavelen < highFreqWavelen) keep their frequency
  }
  return inv;
}

export function ropeTables(config: RopeConfig): RopeTables {
  const { headDim, maxPositions } = config;
  checkSize('ropeTables', 'maxPositions', maxPositions);
  if (!Number.isInteger(headDim) || headDim < 2 || headDim % 2 !== 0) {
    throw new Error(`ropeTables: headDim must be a positive even integer, got ${headDim}`);
  }
  const half = headDim / 2;
  const inv = ropeInverseFrequencies(headDim, config.theta ?? 10000, config.scaling);
  const cos = new Float64Array(maxPositions * half);
  const sin = new Float64Array(maxPositions * half);
  for (let p = 0; p < maxPositions; p++) {
    for (let c = 0; c < half; c++) {
      const angle = p * inv[c];
      cos[p * half + c] = Math.cos(angle);
      sin[p * half + c] = Math.sin(angle);
    }
  }
  return { headDim, maxPositions, cos, sin };
}

/** Position ids that restart at 0 wherever the document id changes: docIds [B, T] -> [B, T]. */
export function positionsFromDocIds(docIds: Int32Array, B: number, T: number): Int32Array {
  checkLength('positionsFromDocIds', 'docIds', docIds, B * T, `[B=${B}, T=${T}]`);
  const positions = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      positions[i] = t > 0 && docIds[i] === docIds[i - 1] ? positions[i - 1] + 1 : 0;
    }
  }
  return positions;
}

// x [B, T, H, D], positions [B, T] (default t) -> out [B, T, H, D]  (out may be x)
export function ropeForward(
  out: Floats, x: Floats, tables: RopeTables, B: number, T: number, H: number, positions?: Int32Array,
): void {
  rotate('ropeForward', out, x, tables, B, T, H, positions, 1, false);
}

// dout [B, T, H, D], positions [B, T] -> dx [B, T, H, D] (+=)
export function ropeBackward(
  dx: Floats, dout: Floats, tables: RopeTables, B: number, T: number, H: number, positions?: Int32Array,
): void {
  rotate('ropeBackward', dx, dout, tables, B, T, H, positions, -1, true);
}

/** Rotates every head's pairs by sign * angle; writes or adds into out. */
function rotate(
  kernel: string, out: Floats, x: Floats, tables: RopeTables, B: number, T: number, H: number,
  positions: Int32Array | undefined, sign: 1 | -1, accumulate: boolean,
): void {
  const D = tables.headDim;
  const half = D / 2;
  const shape = `[B=${B}, T=${T}, H=${H}, D=${D}]`;
  checkLength(kernel, 'x', x, B * T * H * D, shape);
  checkLength(kernel, 'out', out, B * T * H * D, shape);
  if (positions !== undefined) checkLength(kernel, 'positions', positions, B * T, `[B=${B}, T=${T}]`);
  if (accumulate && out === x) throw new Error(`${kernel}: cannot accumulate in place (dx and dout are one buffer)`);
  for (let bt = 0; bt < B * T; bt++) {
    const p = positions === undefined ? bt % T : positions[bt];
    if (p < 0 || p >= tables.maxPositions) {
      throw new Error(`${kernel}: position ${p} at token ${bt} is outside the tables (maxPositions ${tables.maxPositions})`);
    }
    const table = p * half;
    for (let h = 0; h < H; h++) {
      const base = (bt * H + h) * D;
      for (let c = 0; c < half; c++) {
        const cos = tables.cos[table + c];
        const sin = sign * tables.sin[table + c];
        const x1 = x[base + c];
        const x2 = x[base + c + half];
        const y1 = x1 * cos - x2 * sin;
        const y2 = x2 * cos + x1 * sin;
        if (accumulate) {
          out[base + c] += y1;
          out[base + c + half] += y2;
        } else {
          out[base + c] = y1;
          out[base + c + half] = y2;
        }
      }
    }
  }
}
