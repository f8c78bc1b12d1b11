/**
 * Tensor: a shape over a flat row-major buffer, with an optional gradient of the same size.
 *
 * Float32 for training; float64 tensors run the same ops so gradient checks are exact enough.
 * Ops live in ops.ts; autograd bookkeeping in tape.ts.
 */
import type { Floats } from './kernels/types.js';
import { dtypeOf, pool, type DType } from './pool.js';

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export class Tensor {
  readonly shape: readonly number[];
  /** Set by ops: the gradient flows to the inputs of the op that made this tensor. */
  requiresGrad: boolean;
  /** Allocated (zeroed) on first accumulation; backward kernels add into it. */
  grad: Floats | null = null;
  /** True when the data belongs to another tensor (reshape): the pool must not take it back. */
  readonly isView: boolean;
  private buffer: Floats | null;

  constructor(data: Floats, shape: readonly number[], requiresGrad = false, isView = false) {
    const size = sizeOf(shape);
    if (data.length !== size) {
      throw new Error(`Tensor: shape ${formatShape(shape)} needs ${size} elements, the buffer has ${data.length}`);
    }
    this.buffer = data;
    this.shape = Object.freeze([...shape]);
    this.requiresGrad = requiresGrad;
    this.isView = isView;
  }

  static zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
    const size = sizeOf(shape);
    const data = options.dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
    return new Tensor(data, shape, options.requiresGrad ?? false);
  }

  static from(values: ArrayLike<number>, shape: readonly number[], options: TensorOptions = {}): Tensor {
    const data = options.dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
    return new Tensor(data, shape, options.requiresGrad ?? false);
  }

  get data(): Floats {
    if (this.buffer === null) {
      throw new Error(`Tensor ${formatShape(this.shape)} was released at the end of its step(); ` +
        'read values (item(), toArray()) inside the step or create the tensor outside it');
    }
    return this.buffer;
  }

  get size(): number {
    return this.data.length;
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }

  get released(): boolean {
    return this.buffer === null;
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: tensor ${formatShape(this.shape)} has ${this.size} elements, not 1`);
    return this.data[0];
  }

  toArray(): number[] {
    return Array.from(this.data);
  }

  /** The gradient buffer, made (zeroed, from the pool) on first use. */
  ensureGrad(): Floats {
    return (this.grad ??= pool.take(this.size, this.dtype, true));
  }

  zeroGrad(): void {
    this.grad?.fill(0);
  }

  /** Gives data (unless a view) and gradient back to the pool; the tensor is unusable after. */
  release(): void {
    if (this.buffer === null) return;
    if (!this.isView) pool.give(this.buffer);
    if (this.grad) pool.give(this.grad);
    this.buffer = null;
    this.grad = null;
  }
}

export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`shape ${formatShape(shape)}: dimension ${d} is not a non-negative integer`);
    size *= d;
  }
  return size;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
