/**
 * Reverse-mode autograd on a tape, and the step scope that recycles buffers.
 *
 * Each op that sees an input with requiresGrad appends one closure to the tape; `backward(loss)`
 * runs them newest first. Closures read the output's gradient and ACCUMULATE into the inputs'
 * gradients, so a tensor used by several ops sums their contributions with no extra pass.
 */
import { pool, type DType } from './pool.js';
import { formatShape, sizeOf, Tensor } from './tensor.js';

interface Node {
  output: Tensor;
  backward: () => void;
}

let gradEnabled = true;
let nodes: Node[] = [];
/** Tensors made by ops inside the innermost step(); null outside any step. */
let scope: Tensor[] | null = null;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording: for evaluation and for optimizer updates. */
export function noGrad<T>(fn: () => T): T {
  const before = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = before;
  }
}

/**
 * The output buffer of an op: taken from the pool (contents undefined; the kernel overwrites it)
 * and, inside step(), remembered so it goes back to the pool when the step ends.
 */
export function allocate(shape: readonly number[], dtype: DType): Tensor {
  const t = new Tensor(pool.take(sizeOf(shape), dtype), shape);
  scope?.push(t);
  return t;
}

/** Registers a view (shares its source's data) so its gradient buffer is recycled too. */
export function track(t: Tensor): Tensor {
  scope?.push(t);
  return t;
}

/** Records `backward` for `output` when gradients are on and some input needs one. */
export function record(output: Tensor, inputs: readonly Tensor[], backward: () => void): void {
  if (!gradEnabled || !inputs.some((t) => t.requiresGrad)) return;
  output.requiresGrad = true;
  nodes.push({ output, backward });
}

/** Gradients of a one-element loss with respect to every tensor that requires one. */
export function backward(loss: Tensor): void {
  if (loss.size !== 1) throw new Error(`backward: the loss must have one element, got shape ${formatShape(loss.shape)}`);
  if (!loss.requiresGrad) throw new Error('backward: the loss does not depend on any tensor with requiresGrad');
  loss.ensureGrad()[0] += 1;
  const tape = nodes;
  nodes = [];
  for (let i = tape.length - 1; i >= 0; i--) {
    // No gradient reached this output (it does not feed the loss): nothing to propagate.
    if (tape[i].output.grad !== null) tape[i].backward();
  }
}

/**
 * One training (or evaluation) step: runs fn, then returns the buffers of every tensor an op made
 * inside it to the pool and clears the tape. Parameters and tensors made with `new Tensor` /
 * `Tensor.zeros` are untouched. Return plain numbers from fn, not intermediate tensors.
 */
export function step<T>(fn: () => T): T {
  const outer = scope;
  const mine: Tensor[] = [];
  scope = mine;
  try {
    return fn();
  } finally {
    scope = outer;
    if (outer === null) nodes = [];
    for (const t of mine) t.release();
  }
}
