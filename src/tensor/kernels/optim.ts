/**
 * Fused in-place optimizer steps (reference bodies of `Backend.adamw` / `ademamix`).
 *
 *   param, grad, m, m1, m2, v: [n], updated in place (grad is only read)
 *
 * The caller resolves schedules (lr, AdEMAMix alpha and beta3 warm-ups) and passes the bias
 * corrections 1 - beta^t, so the kernel is one pass over memory with no pow per element.
 * Weight decay is decoupled (AdamW): lr * wd * theta, with the theta before this step.
 */
import type { Floats } from './types.js';

export interface AdamWStep {
  lr: number; beta1: number; beta2: number; eps: number; weightDecay: number;
  /** 1 - beta1^t and 1 - beta2^t, t = 1 on the first step. */
  biasCorrection1: number; biasCorrection2: number;
}

export interface AdEMAMixStep extends AdamWStep {
  /** beta3 and alpha for this step, after their warm-ups. */
  beta3: number; alpha: number;
}

// m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  theta -= lr (m/bc1 / (sqrt(v/bc2) + eps) + wd theta)
export function adamw(n: number, param: Floats, grad: Floats, m: Floats, v: Floats, h: AdamWStep): void {
  const { lr, beta1, beta2, eps, weightDecay, biasCorrection1, biasCorrection2 } = h;
  for (let i = 0; i < n; i++) {
    const g = grad[i];
    const mi = (m[i] = beta1 * m[i] + (1 - beta1) * g);
    const vi = (v[i] = beta2 * v[i] + (1 - beta2) * g * g);
    const update = mi / biasCorrection1 / (Math.sqrt(vi / biasCorrection2) + eps);
    param[i] -= lr * (update + weightDecay * param[i]);
  }
}

// As adamw plus a slow EMA m2 (no bias correction, as the AdEMAMix paper):
// theta -= lr ((m1/bc1 + alpha m2) / (sqrt(v/bc2) + eps) + wd theta)
export function ademamix(
  n: number, param: Floats, grad: Floats, m1: Floats, m2: Floats, v: Floats, h: AdEMAMixStep,
): void {
  const { lr, beta1, beta2, beta3, alpha, eps, weightDecay, biasCorrection1, biasCorrection2 } = h;
  for (let i = 0; i < n; i++) {
    const g = grad[i];
    const a = (m1[i] = beta1 * m1[i] + (1 - beta1) * g);
    const b = (m2[i] = beta3 * m2[i] + (1 - beta3) * g);
    const vi = (v[i] = beta2 * v[i] + (1 - beta2) * g * g);
    const update = (a / biasCorrection1 + alpha * b) / (Math.sqrt(vi / biasCorrection2) + eps);
    param[i] -= lr * (update + weightDecay * param[i]);
  }
}
