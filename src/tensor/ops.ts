/**
 * Differentiable ops: each checks shapes, computes its forward with a backend kernel into a
 * pooled output (`allocate`), and records its backward on the tape next to it.
 * Matmul and linear live in linalg.ts.
 */
import { backendFor } from './backend.js';
import { allocate, record, track } from './tape.js';
import { formatShape, sizeOf, Tensor } from './tensor.js';

type Binary = 'add' | 'sub' | 'mul';

// a [...lead, ...tail], b [...tail] (or a's own shape) -> out [...lead, ...tail]
function binary(op: Binary, a: Tensor, b: Tensor): Tensor {
  checkDtypes(op, a, b);
  const n = a.size, bn = b.size;
  const tail = a.shape.slice(a.shape.length - b.shape.length);
  if (b.shape.length > a.shape.length || tail.some((d, i) => d !== b.shape[i])) {
    throw new Error(`${op}: ${formatShape(a.shape)} and ${formatShape(b.shape)}: the second shape must equal ` +
      'the first or its trailing dimensions (broadcast of a trailing vector)');
  }
  const out = allocate(a.shape, a.dtype);
  const k = backendFor(a.data);
  k[op](n, a.data, b.data, bn, out.data);
  record(out, [a, b], () => {
    const dy = out.grad!;
    if (op === 'mul') {
      k.mulBackward(n, a.data, b.data, bn, dy, a.requiresGrad ? a.ensureGrad() : null, b.requiresGrad ? b.ensureGrad() : null);
      return;
    }
    if (a.requiresGrad) k.axpy(n, 1, dy, a.ensureGrad());
    if (b.requiresGrad) k.sumToTrailing(n, bn, op === 'sub' ? -1 : 1, dy, b.ensureGrad());
  });
  return out;
}

/** a + b; b may be a trailing vector of a (e.g. a bias [C] over [B,T,C]). */
export const add = (a: Tensor, b: Tensor): Tensor => binary('add', a, b);
/** a - b; b may be a trailing vector of a. */
export const sub = (a: Tensor, b: Tensor): Tensor => binary('sub', a, b);
/** a * b elementwise; b may be a trailing vector of a. */
export const mul = (a: Tensor, b: Tensor): Tensor => binary('mul', a, b);

/** alpha * x */
export function scale(x: Tensor, alpha: number): Tensor {
  const out = allocate(x.shape, x.dtype);
  const k = backendFor(x.data);
  k.scale(x.size, alpha, x.data, out.data);
  record(out, [x], () => k.axpy(x.size, alpha, out.grad!, x.ensureGrad()));
  return out;
}

type Activation = 'relu' | 'gelu';

function activation(op: Activation, x: Tensor): Tensor {
  const out = allocate(x.shape, x.dtype);
  const k = backendFor(x.data);
  k[op](x.size, x.data, out.data);
  const backwardKernel = op === 'relu' ? k.reluBackward : k.geluBackward;
  record(out, [x], () => backwardKernel(x.size, x.data, out.grad!, x.ensureGrad()));
  return out;
}

export const relu = (x: Tensor): Tensor => activation('relu', x);
/** GELU, tanh approximation (GPT-2). */
export const gelu = (x: Tensor): Tensor => activation('gelu', x);

// x [...] -> [] (one element)
export function sum(x: Tensor): Tensor {
  return reduceAll(x, 1);
}

// x [...] -> [] (one element); the mean of an empty tensor is an error, not NaN
export function mean(x: Tensor): Tensor {
  if (x.size === 0) throw new Error(`mean: tensor ${formatShape(x.shape)} is empty`);
  return reduceAll(x, 1 / x.size);
}

function reduceAll(x: Tensor, factor: number): Tensor {
  const out = allocate([], x.dtype);
  const k = backendFor(x.data);
  out.data[0] = factor * k.sum(x.size, x.data);
  record(out, [x], () => {
    const g = x.ensureGrad(), dy = factor * out.grad![0];
    for (let i = 0; i < g.length; i++) g[i] += dy;
  });
  return out;
}

/** A view with another shape over the same data (one dimension may be -1: inferred). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const resolved = resolveShape(x, shape);
  // The view shares x's gradient buffer too, so backward has nothing to do for it.
  return track(Tensor.view(x, resolved));
}

function resolveShape(x: Tensor, shape: readonly number[]): number[] {
  if (shape.filter((d) => d === -1).length > 1) throw new Error(`reshape: ${formatShape(shape)} has more than one -1`);
  const known = sizeOf(shape.filter((d) => d !== -1));
  const resolved = shape.map((d) => (d === -1 ? (known === 0 ? 0 : x.size / known) : d));
  if (!resolved.every(Number.isInteger) || resolved.reduce((a, b) => a * b, 1) !== x.size) {
    throw new Error(`reshape: cannot view ${formatShape(x.shape)} (${x.size} elements) as ${formatShape(shape)}`);
  }
  return resolved;
}

// table [V, C], ids [...idsShape] (Int32Array) -> out [...idsShape, C]
export function embedding(table: Tensor, ids: Int32Array, idsShape: readonly number[] = [ids.length]): Tensor {
  if (table.shape.length !== 2) throw new Error(`embedding: the table must be [V, C], got ${formatShape(table.shape)}`);
  if (sizeOf(idsShape) !== ids.length) {
    throw new Error(`embedding: ids shape ${formatShape(idsShape)} needs ${sizeOf(idsShape)} ids, got ${ids.length}`);
  }
  const [V, C] = table.shape;
  const N = ids.length;
  const out = allocate([...idsShape, C], table.dtype);
  const k = backendFor(table.data);
  k.embedding(N, C, V, table.data, ids, out.data);
  record(out, [table], () => k.embeddingBackward(N, C, out.grad!, ids, table.ensureGrad()));
  return out;
}

export function checkDtypes(op: string, ...tensors: Tensor[]): void {
  const dtype = tensors[0].dtype;
  const other = tensors.find((t) => t.dtype !== dtype);
  if (other) throw new Error(`${op}: mixes ${dtype} and ${other.dtype} tensors; convert one first`);
}
