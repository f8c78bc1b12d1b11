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
  private buffer: Floats | null;
  private gradient: Floats | null = null;
  /** For a view (reshape), the tensor whose data and gradient it shares; else null. */
  private readonly source: Tensor | null;

  constructor(data: Floats, shape: readonly number[], requiresGrad = false, source: Tensor | null = null) {
    const size = sizeOf(shape);
    if (data.length !== size) {
      throw new Error(`Tensor: shape ${formatShape(shape)} needs ${size} elements, the buffer has ${data.length}`);
    }
    if (source && source.data !== data) throw new Error('Tensor: a view must share its source\'s buffer');
    this.buffer = data;
    this.shape = Object.freeze([...shape]);
    this.requiresGrad = requiresGrad;
    this.source = source;
  }

  /** A view of `source` with another shape: same data, same gradient buffer (so gradients that
   * reach the view are already the source's, with no copy in backward). */
  static view(source: Tensor, shape: readonly number[]): Tensor {
    return new Tensor(source.data, shape, source.requiresGrad, source);
  }

  /** True when the data belongs to another tensor (reshape): the pool must not take it back. */
  get isView(): boolean {
    return this.source !== null;
  }

  /** Allocated (zeroed) on first accumulation; backward kernels add into it. A view's is its
   * source's. */
  get grad(): Floats | null {
    return this.source ? this.source.grad : this.gradient;
  }

  set grad(value: Floats | null) {
    if (this.source) this.source.grad = value;
    else this.gradient = value;
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
    if (this.source) return this.source.ensureGrad();
    return (this.gradient ??= pool.take(this.size, this.dtype, true));
  }

  zeroGrad(): void {
    this.grad?.fill(0);
  }

  /** Gives data and gradient back to the pool (a view's belong to its source); the tensor is
   * unusable after. */
  release(): void {
    if (this.buffer === null) return;
    if (!this.source) {
      pool.give(this.buffer);
      if (this.gradient) pool.give(this.gradient);
    }
    this.buffer = null;
    this.gradient = null;
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
