/**
 * Embedding lookup (reference bodies of `Backend.embedding` / `embeddingBackward`).
 *
 *   table: [V, C], ids: [N] (Int32Array, 0 <= id < V), out: [N, C], dTable: [V, C]
 */
import type { Floats } from './types.js';

export function embedding(N: number, C: number, V: number, table: Floats, ids: Int32Array, out: Floats): void {
  for (let n = 0; n < N; n++) {
    const id = ids[n];
    if (!(id >= 0 && id < V)) throw new Error(`embedding: id ${id} at position ${n} is outside the vocabulary [0, ${V})`);
    out.set(table.subarray(id * C, id * C + C), n * C);
  }
}

/** dTable[ids[n]] += dOut[n]; repeated ids accumulate. */
export function embeddingBackward(N: number, C: number, dOut: Floats, ids: Int32Array, dTable: Floats): void {
  for (let n = 0; n < N; n++) {
    const row = ids[n] * C, src = n * C;
    for (let c = 0; c < C; c++) dTable[row + c] += dOut[src + c];
  }
}
