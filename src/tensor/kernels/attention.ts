// Causal self-attention with grouped-query heads and document masking, fused the way
// FlashAttention-2 is: scores exist only one [blockSize x blockSize] block at a time.
//   q [B, T, Hq, D], k, v [B, T, Hkv, D] -> out [B, T, Hq, D], lse [B, Hq, T]
//   query head h reads kv head floor(h / (Hq / Hkv)); scale 1/sqrt(D)
//   token i attends to key j iff docStart(i) <= j <= i (same document, not in the future)
// Forward: online softmax over key blocks, saving only the row logsumexp (m + log l).
// Backward: recomputes P = exp(S - lse) block by block; with Delta_i = rowsum(dO_i * O_i),
//   dV += P^T dO,  dP = dO V^T,  dS = P * (dP - Delta),  dQ += scale dS K,  dK += scale dS^T Q
// Gradients are ADDED into dq, dk, dv (llm.c convention; the caller zeroes them).
import { checkLength, checkSize, type Floats } from './types.js';

export interface AttentionShape {
  B: number;
  T: number;
  Hq: number;
  Hkv: number;
  D: number;
}

export interface AttentionOptions {
  /** Document of each token, [B, T]; a run of equal ids is one document. Absent: one document. */
  docIds?: Int32Array;
  /** Rows and columns of one score block (default 64: 32 KiB of float64 scores). */
  blockSize?: number;
}

export const ATTENTION_BLOCK_SIZE = 64;

// -> [B, T] index of the first token of each token's document. Documents are runs of equal ids,
// so a token never attends across a packing boundary even if an id repeats later.
export function documentStarts(docIds: Int32Array | undefined, B: number, T: number): Int32Array {
  const starts = new Int32Array(B * T);
  if (docIds === undefined) return starts;
  checkLength('attention', 'docIds', docIds, B * T, `[B=${B}, T=${T}]`);
  for (let b = 0; b < B; b++) {
    for (let t = 1; t < T; t++) {
      const i = b * T + t;
      starts[i] = docIds[i] === docIds[i - 1] ? starts[i - 1] : t;
    }
  }
  return starts;
}

export function attentionForward(
  out: Floats, lse: Floats, q: Floats, k: Floats, v: Floats, shape: AttentionShape, options: AttentionOptions = {},
): void {
  const { B, T, Hq, Hkv, D } = shape;
  const block = checkAttention('attentionForward', shape, options, { q, k, v, out }, lse);
  const group = Hq / Hkv;
  const scale = 1 / Math.sqrt(D);
  const starts = documentStarts(options.docIds, B, T);
  const scores = new Float64Array(block * block); // the only score memory: one block
  const rowMax = new Float64Array(block);
  const rowSum = new Float64Array(block);
  const acc = new Float64Array(block * D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < Hq; h++) {
      const hk = Math.floor(h / group);
      for (let q0 = 0; q0 < T; q0 += block) {
        const rows = Math.min(block, T - q0);
        rowMax.fill(-Infinity);
        rowSum.fill(0);
        acc.fill(0);
        // starts are non-decreasing, so the block's first row reaches furthest back
        const firstKey = Math.floor(starts[b * T + q0] / block) * block;
        for (let k0 = firstKey; k0 < q0 + rows; k0 += block) {
          const cols = Math.min(block, T - k0);
          for (let r = 0; r < rows; r++) {
            const i = q0 + r;
            const qi = ((b * T + i) * Hq + h) * D;
            const lo = starts[b * T + i];
            let blockMax = -Infinity;
            for (let c = 0; c < cols; c++) {
              const j = k0 + c;
              let s = -Infinity;
              if (j >= lo && j <= i) {
                const kj = ((b * T + j) * Hkv + hk) * D;
                let dot = 0;
                for (let d = 0; d < D; d++) dot += q[qi + d] * k[kj + d];
                s = dot * scale;
                if (s > blockMax) blockMax = s;
              }
              scores[r * block + c] = s;
            }
            if (blockMax === -Infinity) continue; // row sees nothing in this block
            // online softmax: rescale what was summed under the old max
            const newMax = Math.max(rowMax[r], blockMax);
            const correction = Math.exp(rowMax[r] - newMax);
            rowSum[r] *= correction;
            const a = r * D;
            for (let d = 0; d < D; d++) acc[a + d] *= correction;
            for (let c = 0; c < cols; c++) {
              const s = scores[r * block + c];
              if (s === -Infinity) continue;
              const p = Math.exp(s - newMax);
              rowSum[r] += p;
              const vj = ((b * T + k0 + c) * Hkv + hk) * D;
              for (let d = 0; d < D; d++) acc[a + d] += p * v[vj + d];
            }
            rowMax[r] = newMax;
          }
        }
        // every row sees at least itself, so rowSum > 0
        for (let r = 0; r < rows; r++) {
          const i = q0 + r;
          const oi = ((b * T + i) * Hq + h) * D;
          for (let d = 0; d < D; d++) out[oi + d] = acc[r * D + d] / rowSum[r];
          lse[(b * Hq + h) * T + i] = rowMax[r] + Math.log(rowSum[r]);
        }
      }
    }
  }
}

export function attentionBackward(
  dq: Floats, dk: Floats, dv: Floats, dout: Floats, q: Floats, k: Floats, v: Floats, out: Floats, lse: Floats,
  shape: AttentionShape, options: AttentionOptions = {},
): void {
  const { B, T, Hq, Hkv, D } = shape;
  const block = checkAttention('attentionBackward', shape, options, { q, k, v, out, dout, dq, dk, dv }, lse);
  const group = Hq / Hkv;
  const scale = 1 / Math.sqrt(D);
  const starts = documentStarts(options.docIds, B, T);
  const delta = new Float64Array(group * T); // Delta_i for the query heads of one kv head
  const probs = new Float64Array(block * block);
  const dKBlock = new Float64Array(block * D);
  const dVBlock = new Float64Array(block * D);
  for (let b = 0; b < B; b++) {
    for (let hk = 0; hk < Hkv; hk++) {
      for (let g = 0; g < group; g++) {
        const h = hk * group + g;
        for (let i = 0; i < T; i++) {
          const oi = ((b * T + i) * Hq + h) * D;
          let sum = 0;
          for (let d = 0; d < D; d++) sum += dout[oi + d] * out[oi + d];
          delta[g * T + i] = sum;
        }
      }
      // outer loop over key blocks: dK, dV of a block accumulate locally over every query head
      // of the group (the GQA sum) and are written once
      for (let k0 = 0; k0 < T; k0 += block) {
        const cols = Math.min(block, T - k0);
        dKBlock.fill(0);
        dVBlock.fill(0);
        for (let g = 0; g < group; g++) {
          const h = hk * group + g;
          for (let q0 = Math.floor(k0 / block) * block; q0 < T; q0 += block) {
            // later rows start no earlier: once a block's documents begin after these keys, stop
            if (starts[b * T + q0] >= k0 + cols) break;
            const rows = Math.min(block, T - q0);
            keyBlockBackward(b, h, hk, g, q0, rows, k0, cols);
          }
        }
        for (let c = 0; c < cols; c++) {
          const kj = ((b * T + k0 + c) * Hkv + hk) * D;
          for (let d = 0; d < D; d++) {
            dk[kj + d] += dKBlock[c * D + d];
            dv[kj + d] += dVBlock[c * D + d];
          }
        }
      }
    }
  }

  function keyBlockBackward(b: number, h: number, hk: number, g: number, q0: number, rows: number, k0: number, cols: number): void {
    // P block, recomputed from q, k and the saved logsumexp
    for (let r = 0; r < rows; r++) {
      const i = q0 + r;
      const qi = ((b * T + i) * Hq + h) * D;
      const lo = starts[b * T + i];
      const rowLse = lse[(b * Hq + h) * T + i];
      for (let c = 0; c < cols; c++) {
        const j = k0 + c;
        let p = 0;
        if (j >= lo && j <= i) {
          const kj = ((b * T + j) * Hkv + hk) * D;
          let dot = 0;
          for (let d = 0; d < D; d++) dot += q[qi + d] * k[kj + d];
          p = Math.exp(dot * scale - rowLse);
        }
        probs[r * block + c] = p;
      }
    }
    for (let r = 0; r < rows; r++) {
      const i = q0 + r;
      const qi = ((b * T + i) * Hq + h) * D;
      const rowDelta = delta[g * T + i];
      for (let c = 0; c < cols; c++) {
        const p = probs[r * block + c];
        if (p === 0) continue; // masked (or underflowed): contributes nothing
        const kj = ((b * T + k0 + c) * Hkv + hk) * D;
        let dp = 0;
        for (let d = 0; d < D; d++) {
          dp += dout[qi + d] * v[kj + d];
          dVBlock[c * D + d] += p * dout[qi + d];
        }
        const ds = p * (dp - rowDelta) * scale;
        for (let d = 0; d < D; d++) {
          dq[qi + d] += ds * k[kj + d];
          dKBlock[c * D + d] += ds * q[qi + d];
        }
      }
    }
  }
}

function checkAttention(
  kernel: string, shape: AttentionShape, options: AttentionOptions, buffers: Record<string, Floats>, lse: Floats,
): number {
  const { B, T, Hq, Hkv, D } = shape;
  for (const [name, value] of Object.entries(shape)) checkSize(kernel, name, value as number);
  if (Hq % Hkv !== 0) throw new Error(`${kernel}: Hq=${Hq} query heads must be a multiple of Hkv=${Hkv} kv heads`);
  const block = options.blockSize ?? ATTENTION_BLOCK_SIZE;
  checkSize(kernel, 'blockSize', block);
  for (const [name, buffer] of Object.entries(buffers)) {
    const heads = name === 'k' || name === 'v' || name === 'dk' || name === 'dv' ? Hkv : Hq;
    checkLength(kernel, name, buffer, B * T * heads * D, `[B=${B}, T=${T}, H=${heads}, D=${D}]`);
  }
  checkLength(kernel, 'lse', lse, B * Hq * T, `[B=${B}, Hq=${Hq}, T=${T}]`);
  return block;
}
