/**
 * General matrix multiply, row-major, BLAS semantics (reference body of `Backend.sgemm`).
 *
 *   C[M,N] = alpha * op(A)[M,K] · op(B)[K,N] + beta * C[M,N]
 *   A is stored [M,K] (transA false) or [K,M] (transA true); B is [K,N] or [N,K].
 *
 * Every matmul backward is two more calls of this one kernel with other transposes and beta = 1
 * (accumulate into the gradient), so a native backend only has to supply BLAS sgemm.
 */
import type { Floats } from './types.js';

/** Tile edge: three 64x64 float32 tiles (48 KiB) stay in L1/L2 while the inner loops run. */
const TILE = 64;

export function gemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  alpha: number, A: Floats, B: Floats, beta: number, C: Floats,
): void {
  if (A.length < M * K || B.length < K * N || C.length < M * N) {
    throw new Error(`gemm: buffers too small for M=${M} N=${N} K=${K} (A ${A.length}, B ${B.length}, C ${C.length})`);
  }
  // beta first, so the tiled loops below only ever accumulate.
  if (beta === 0) C.fill(0, 0, M * N);
  else if (beta !== 1) for (let i = 0; i < M * N; i++) C[i] *= beta;
  if (alpha === 0 || K === 0) return;
  // Strides turn op(A)[i,k] into A[i*sAi + k*sAk] whatever the storage order.
  const sAi = transA ? 1 : K, sAk = transA ? M : 1;
  const sBk = transB ? 1 : N, sBj = transB ? K : 1;
  for (let i0 = 0; i0 < M; i0 += TILE) {
    const i1 = Math.min(i0 + TILE, M);
    for (let k0 = 0; k0 < K; k0 += TILE) {
      const k1 = Math.min(k0 + TILE, K);
      for (let j0 = 0; j0 < N; j0 += TILE) {
        const j1 = Math.min(j0 + TILE, N);
        for (let i = i0; i < i1; i++) {
          const cRow = i * N;
          for (let k = k0; k < k1; k++) {
            const a = alpha * A[i * sAi + k * sAk];
            if (a === 0) continue;
            const bRow = k * sBk;
            // Innermost loop walks C and (when B is not transposed) B contiguously.
            for (let j = j0; j < j1; j++) C[cRow + j] += a * B[bRow + j * sBj];
          }
        }
      }
    }
  }
}
