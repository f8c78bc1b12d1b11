/**
 * matmul and linear, forward and backward, all through `Backend.sgemm`.
 *
 *   a [M,K] x b [K,N]         -> [M,N]
 *   a [B,M,K] x b [K,N]       -> [B,M,N]   (b shared by the batch, e.g. a weight)
 *   a [B,M,K] x b [B,K,N]     -> [B,M,N]   (e.g. attention scores)
 *   transA / transB: the operand is stored transposed ([K,M] / [N,K] in its last two dimensions).
 *
 * Backward with C = op(A) op(B), accumulating (beta = 1):
 *   dA = dC op(B)^T  (stored transposed when transA: dA = op(B) dC^T)
 *   dB = op(A)^T dC  (stored transposed when transB: dB = dC^T op(A))
 */
import { backendFor } from './backend.js';
import { add, checkDtypes, reshape } from './ops.js';
import { allocate, record } from './tape.js';
import { formatShape, Tensor } from './tensor.js';

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const transA = options.transA ?? false, transB = options.transB ?? false;
  checkDtypes('matmul', a, b);
  const { batch, M, N, K, bBatched } = matmulShape(a, b, transA, transB);
  const out = allocate(a.shape.length === 3 ? [batch, M, N] : [M, N], a.dtype);
  const k = backendFor(a.data);
  const aStep = M * K, bStep = bBatched ? K * N : 0, cStep = M * N;
  const A = (i: number, data = a.data) => data.subarray(i * aStep, (i + 1) * aStep);
  const B = (i: number, data = b.data) => data.subarray(i * bStep, i * bStep + K * N);
  const C = (i: number, data = out.data) => data.subarray(i * cStep, (i + 1) * cStep);
  for (let i = 0; i < batch; i++) k.sgemm(transA, transB, M, N, K, 1, A(i), B(i), 0, C(i));
  record(out, [a, b], () => {
    const dC = out.grad!;
    for (let i = 0; i < batch; i++) {
      if (a.requiresGrad) {
        const dA = A(i, a.ensureGrad());
        if (transA) k.sgemm(transB, true, K, M, N, 1, B(i), C(i, dC), 1, dA);
        else k.sgemm(false, !transB, M, K, N, 1, C(i, dC), B(i), 1, dA);
      }
      if (b.requiresGrad) {
        // A shared b sums its gradient over the batch: beta = 1 does it.
        const dB = B(i, b.ensureGrad());
        if (transB) k.sgemm(true, transA, N, K, M, 1, C(i, dC), A(i), 1, dB);
        else k.sgemm(!transA, false, K, N, M, 1, A(i), C(i, dC), 1, dB);
      }
    }
  });
  return out;
}

function matmulShape(a: Tensor, b: Tensor, transA: boolean, transB: boolean) {
  const name = `matmul: ${formatShape(a.shape)}${transA ? '^T' : ''} x ${formatShape(b.shape)}${transB ? '^T' : ''}`;
  const ra = a.shape.length, rb = b.shape.length;
  if (ra < 2 || ra > 3 || rb < 2 || rb > 3) throw new Error(`${name}: operands must have 2 or 3 dimensions`);
  if (rb === 3 && ra !== 3) throw new Error(`${name}: a batched right operand needs a batched left operand`);
  const batch = ra === 3 ? a.shape[0] : 1;
  if (rb === 3 && b.shape[0] !== batch) throw new Error(`${name}: batch sizes ${batch} and ${b.shape[0]} differ`);
  const [a0, a1] = a.shape.slice(ra - 2), [b0, b1] = b.shape.slice(rb - 2);
  const [M, K] = transA ? [a1, a0] : [a0, a1];
  const [Kb, N] = transB ? [b1, b0] : [b0, b1];
  if (K !== Kb) throw new Error(`${name}: inner dimensions ${K} and ${Kb} differ`);
  return { batch, M, N, K, bBatched: rb === 3 };
}

// x [..., in], weight [out, in] (PyTorch layout), bias [out] optional -> [..., out]
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  if (weight.shape.length !== 2) throw new Error(`linear: weight must be [out, in], got ${formatShape(weight.shape)}`);
  const [outFeatures, inFeatures] = weight.shape;
  const last = x.shape[x.shape.length - 1];
  if (last !== inFeatures) {
    throw new Error(`linear: input ${formatShape(x.shape)} has ${last} features, weight ${formatShape(weight.shape)} expects ${inFeatures}`);
  }
  const lead = x.shape.slice(0, -1);
  // One [N, in] x [in, out] sgemm for all leading dimensions: the biggest, fastest call.
  const x2 = x.shape.length === 2 ? x : reshape(x, [-1, inFeatures]);
  let y = matmul(x2, weight, { transB: true });
  if (bias) y = add(y, bias);
  return x.shape.length === 2 ? y : reshape(y, [...lead, outFeatures]);
}
