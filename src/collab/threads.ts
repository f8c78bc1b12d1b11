/**
 * Compute threads for collaborative runs. The models here are small (an MLP's minibatch is a
 * fraction of a millisecond), where handing each kernel to a thread pool costs more than it saves:
 * one thread is ~10x faster for the MLP on a 2-core machine. Results do not depend on the count.
 */
import { loadNative } from '../tensor/index.js';

export function setComputeThreads(n: number): void {
  loadNative()?.setThreads(n);
}

/** The current count (undefined without the native kernels). */
export function computeThreads(): number | undefined {
  return loadNative()?.getThreads();
}
