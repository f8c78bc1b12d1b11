// xIELU activation, forward and backward (Apertus MLP: down(xIELU(up(x))); R8).
//   x > 0:  y = a_p x^2 + b x
//   x <= 0: y = a_n (expm1(min(x, eps)) - x) + b x
//   a_p = softplus(alpha_p), a_n = b + softplus(alpha_n), b = 0.5, eps = -1e-6
// Matches transformers' XIELUActivation (python path): beta enters a_n as well as the linear
// term, and min(x, eps) keeps expm1 away from 0 so its slope never meets the -x term exactly.
import { checkLength, type Floats } from './types.js';

export const XIELU_BETA = 0.5;
export const XIELU_EPS = -1e-6;

/** The two trainable scalars of one layer's xIELU (pre-softplus, as stored in checkpoints). */
export interface XieluParams {
  alphaP: number;
  alphaN: number;
}

/** Gradients of the loss with respect to alpha_p and alpha_n. */
export interface XieluParamGrads {
  alphaP: number;
  alphaN: number;
}

// softplus as torch computes it, but stable for large |x| without a threshold branch
export function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

export function softplusInverse(y: number): number {
  if (!(y > 0)) throw new Error(`softplusInverse: ${y} is outside softplus's range (0, inf)`);
  return y + Math.log(-Math.expm1(-y)); // log(expm1(y)), stable for large y
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Parameters so that a_p = aP and a_n = aN (Apertus: both 0.8). */
export function xieluInit(aP = 0.8, aN = 0.8, beta = XIELU_BETA): XieluParams {
  return { alphaP: softplusInverse(aP), alphaN: softplusInverse(aN - beta) };
}

// x [n] -> out [n]  (out may be x: the loop is elementwise)
export function xieluForward(out: Floats, x: Floats, params: XieluParams, beta = XIELU_BETA, eps = XIELU_EPS): void {
  checkLength('xieluForward', 'out', out, x.length, `[n=${x.length}]`);
  const aP = softplus(params.alphaP);
  const aN = beta + softplus(params.alphaN);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    out[i] = xi > 0 ? aP * xi * xi + beta * xi : aN * (Math.expm1(Math.min(xi, eps)) - xi) + beta * xi;
  }
}

// dout [n], x [n] -> dx [n] (+=); returns the gradients of alpha_p and alpha_n.
export function xieluBackward(
  dx: Floats, dout: Floats, x: Floats, params: XieluParams, beta = XIELU_BETA, eps = XIELU_EPS,
): XieluParamGrads {
  const shape = `[n=${x.length}]`;
  checkLength('xieluBackward', 'dx', dx, x.length, shape);
  checkLength('xieluBackward', 'dout', dout, x.length, shape);
  const aP = softplus(params.alphaP);
  const aN = beta + softplus(params.alphaN);
  let sumP = 0; // sum dy * dy/da_p
  let sumN = 0; // sum dy * dy/da_n
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const g = dout[i];
    if (xi > 0) {
      dx[i] += g * (2 * aP * xi + beta);
      sumP += g * xi * xi;
    } else {
      // d min(x, eps)/dx: 1 below eps, 0 above; torch splits a tie evenly between the operands
      const minSlope = xi < eps ? 1 : xi === eps ? 0.5 : 0;
      const e = Math.min(xi, eps);
      dx[i] += g * (aN * (Math.exp(e) * minSlope - 1) + beta);
      sumN += g * (Math.expm1(e) - xi);
    }
  }
  // chain through softplus: d softplus(a)/da = sigmoid(a)
  return { alphaP: sumP * sigmoid(params.alphaP), alphaN: sumN * sigmoid(params.alphaN) };
}
