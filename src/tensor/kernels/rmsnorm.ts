// RMSNorm, forward and backward (Apertus pre-norm and QK-norm; R8).
//   y = x / sqrt(mean(x^2) + eps) * w
// QK-norm is the same kernel over rows of one head: x [B*T*H, D], w [D].
// Backward kernels ADD into gradient buffers (llm.c convention): the caller zeroes them once,
// so a tensor read by two ops sums its gradients and dw sums over micro-batches.
import { checkLength, checkSize, type Floats } from './types.js';

export const RMSNORM_EPS = 1e-5;

// x [N, C], weight [C] -> out [N, C], rstd [N] (1 / rms of each row, saved for backward)
export function rmsnormForward(
  out: Floats, rstd: Floats, x: Floats, weight: Floats, N: number, C: number, eps = RMSNORM_EPS,
): void {
  checkShapes('rmsnormForward', N, C, { out, x, weight, rstd });
  for (let i = 0; i < N; i++) {
    const row = i * C;
    let sumSquares = 0;
    for (let c = 0; c < C; c++) sumSquares += x[row + c] * x[row + c];
    const r = 1 / Math.sqrt(sumSquares / C + eps);
    rstd[i] = r;
    for (let c = 0; c < C; c++) out[row + c] = x[row + c] * r * weight[c];
  }
}

// dout [N, C], x [N, C], weight [C], rstd [N] -> dx [N, C] (+=), dweight [C] (+=)
// With xhat = x * r:  dx = r * (w*dy - xhat * mean(w*dy*xhat)),  dw = sum_rows dy * xhat
export function rmsnormBackward(
  dx: Floats, dweight: Floats, dout: Floats, x: Floats, weight: Floats, rstd: Floats, N: number, C: number,
): void {
  checkShapes('rmsnormBackward', N, C, { dx, dout, x, weight, dweight, rstd });
  for (let i = 0; i < N; i++) {
    const row = i * C;
    const r = rstd[i];
    let dot = 0; // sum_c (w*dy)_c * xhat_c
    for (let c = 0; c < C; c++) dot += weight[c] * dout[row + c] * x[row + c] * r;
    const meanDot = dot / C;
    for (let c = 0; c < C; c++) {
      const xhat = x[row + c] * r;
      dweight[c] += dout[row + c] * xhat;
      dx[row + c] += r * (weight[c] * dout[row + c] - xhat * meanDot);
    }
  }
}

function checkShapes(kernel: string, N: number, C: number, buffers: Record<string, Floats>): void {
  checkSize(kernel, 'N', N);
  checkSize(kernel, 'C', C);
  const shape = `[N=${N}, C=${C}]`;
  for (const [name, buffer] of Object.entries(buffers)) {
    const expected = name === 'weight' || name === 'dweight' ? C : name === 'rstd' ? N : N * C;
    checkLength(kernel, name, buffer, expected, shape);
  }
}
