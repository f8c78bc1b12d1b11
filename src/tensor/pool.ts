/**
 * Buffer pool: explicit memory reuse so a training step does not allocate its activations anew.
 *
 * How an op gets its output buffer: it calls `allocate(shape, dtype)` (tape.ts), which takes a
 * buffer of exactly that element count and dtype from this pool (or makes a new one when none is
 * free). Inside `step(fn)`, every tensor an op creates is remembered; when the step ends, its data
 * and gradient buffers come back here, so the next step of the same shapes allocates nothing.
 * Buffers are keyed by exact size: a model repeats the same shapes every step, so exact keys hit
 * and never waste memory on size classes.
 */
import type { Floats } from './kernels/types.js';

export type DType = 'float32' | 'float64';

export interface PoolStats {
  /** buffers made with `new` (a cache miss) */
  allocated: number;
  /** buffers handed out again from the free lists */
  reused: number;
  /** bytes currently held in the free lists */
  freeBytes: number;
}

export class BufferPool {
  private readonly free = new Map<string, Floats[]>();
  readonly stats: PoolStats = { allocated: 0, reused: 0, freeBytes: 0 };

  /** A buffer of `size` elements; its contents are undefined unless `zero` is set. */
  take(size: number, dtype: DType, zero = false): Floats {
    const list = this.free.get(key(size, dtype));
    const buffer = list?.pop();
    if (buffer) {
      this.stats.reused++;
      this.stats.freeBytes -= buffer.byteLength;
      if (zero) buffer.fill(0);
      return buffer;
    }
    this.stats.allocated++;
    // New typed arrays are zero-filled already.
    return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
  }

  /** Returns a buffer for reuse; the caller must not touch it afterwards. */
  give(buffer: Floats): void {
    const k = key(buffer.length, dtypeOf(buffer));
    let list = this.free.get(k);
    if (!list) this.free.set(k, (list = []));
    list.push(buffer);
    this.stats.freeBytes += buffer.byteLength;
  }

  /** Drops every free buffer (e.g. after the shapes of a run change for good). */
  clear(): void {
    this.free.clear();
    this.stats.freeBytes = 0;
  }
}

export function dtypeOf(buffer: Floats): DType {
  return buffer instanceof Float64Array ? 'float64' : 'float32';
}

function key(size: number, dtype: DType): string {
  return `${dtype}:${size}`;
}

/** The process-wide pool the ops draw from. */
export const pool = new BufferPool();
