/**
 * Gradient check: autograd gradients against central finite differences, all in float64.
 *
 * The op's output is reduced to a scalar with fixed random weights, L = sum(w * f(x)), so every
 * output element contributes and a wrong row/column of the Jacobian cannot hide. Errors are
 * relative in the L2 norm over each input: ||analytic - numeric|| / max(||analytic||, ||numeric||).
 */
import { backward, mul, noGrad, sum, Tensor } from '../../src/tensor/index.js';
import { seeded as rng } from './random.js';

export { seeded as rng } from './random.js';

/** A float64 tensor of uniform values in [-1, 1) that requires a gradient. */
export function randomTensor(shape: number[], seed: number, requiresGrad = true): Tensor {
  const next = rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const t = Tensor.from(Array.from({ length: size }, () => 2 * next() - 1), shape, { dtype: 'float64' });
  t.requiresGrad = requiresGrad;
  return t;
}

/** Returns the worst relative error over the inputs that require a gradient. */
export function gradcheck(f: (inputs: Tensor[]) => Tensor, inputs: Tensor[], h = 1e-6): number {
  for (const x of inputs) if (x.dtype !== 'float64') throw new Error('gradcheck: inputs must be float64');
  const y0 = noGrad(() => f(inputs));
  const weights = randomTensor([...y0.shape], 12345, false);
  const lossAt = () => noGrad(() => {
    const y = f(inputs).data;
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i] * weights.data[i];
    return s;
  });

  for (const x of inputs) x.grad = null;
  backward(sum(mul(f(inputs), weights)));
  let worst = 0;
  for (const x of inputs) {
    if (!x.requiresGrad) continue;
    const analytic = x.grad ? Float64Array.from(x.grad) : new Float64Array(x.size);
    let diff = 0, normA = 0, normN = 0;
    for (let i = 0; i < x.size; i++) {
      const saved = x.data[i];
      x.data[i] = saved + h;
      const plus = lossAt();
      x.data[i] = saved - h;
      const minus = lossAt();
      x.data[i] = saved;
      const numeric = (plus - minus) / (2 * h);
      diff += (analytic[i] - numeric) ** 2;
      normA += analytic[i] ** 2;
      normN += numeric ** 2;
    }
    const scale = Math.max(Math.sqrt(normA), Math.sqrt(normN));
    worst = Math.max(worst, scale === 0 ? 0 : Math.sqrt(diff) / scale);
  }
  return worst;
}
