/**
 * Optimizers over parameter tensors: AdamW and AdEMAMix (R8), and global-norm gradient clipping.
 * The per-element work is one fused in-place kernel per parameter (kernels/optim.ts); this file
 * keeps the state, the step count and the schedules.
 */
import { backendFor } from './backend.js';
import type { Floats } from './kernels/types.js';
import type { Tensor } from './tensor.js';

export interface AdamWOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** decoupled: theta -= lr * weightDecay * theta (R8 uses 0.1) */
  weightDecay?: number;
  /** parameters that take no weight decay (norm weights, activation parameters) */
  noDecay?: ReadonlySet<Tensor>;
}

/** What a checkpoint keeps of an optimizer: the step count and each parameter's moment buffers
 * (in `params` order; null for a parameter never updated). */
export interface OptimizerState {
  stepCount: number;
  moments: (Floats[] | null)[];
}

export interface AdEMAMixOptions extends AdamWOptions {
  /** slow EMA decay, reached after `beta3Warmup` steps (R8: 0.9999) */
  beta3?: number;
  /** weight of the slow EMA, reached after `alphaWarmup` steps (R8: 8) */
  alpha?: number;
  /** steps of the linear alpha warm-up; 0 = none */
  alphaWarmup?: number;
  /** steps of the beta3 half-life warm-up from beta1; 0 = none */
  beta3Warmup?: number;
}

/** AdEMAMix alpha warm-up (paper): linear from 0 to alpha over T steps. */
export function ademamixAlpha(t: number, alpha: number, T: number): number {
  return T > 0 ? Math.min(t / T, 1) * alpha : alpha;
}

/**
 * AdEMAMix beta3 warm-up (paper): interpolates the half-life, not beta itself, from beta1 to
 * beta3, so the slow EMA's memory grows smoothly:
 *   beta3(t) = min(exp(ln b1 ln b3 / ((1 - t/T) ln b3 + (t/T) ln b1)), b3)
 */
export function ademamixBeta3(t: number, beta1: number, beta3: number, T: number): number {
  if (T <= 0) return beta3;
  const r = Math.min(t / T, 1), l1 = Math.log(beta1), l3 = Math.log(beta3);
  return Math.min(Math.exp((l1 * l3) / ((1 - r) * l3 + r * l1)), beta3);
}

abstract class Optimizer {
  /** steps taken; the bias corrections use t = step after increment (1 on the first step) */
  stepCount = 0;
  constructor(readonly params: readonly Tensor[], protected readonly slots: number) {}
  protected readonly state = new Map<Tensor, Floats[]>();

  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  /** The moment buffers themselves (not copies): serialise them before the next step. */
  stateDict(): OptimizerState {
    return { stepCount: this.stepCount, moments: this.params.map((p) => this.state.get(p) ?? null) };
  }

  /** Restores a `stateDict()`: same parameters in the same order, same sizes (checked). */
  loadStateDict(saved: OptimizerState): void {
    if (saved.moments.length !== this.params.length) {
      throw new Error(`optimizer state: ${saved.moments.length} parameters saved, the optimizer has ${this.params.length}`);
    }
    this.state.clear();
    this.params.forEach((p, i) => {
      const moments = saved.moments[i];
      if (!moments) return;
      if (moments.length !== this.slots || moments.some((m) => m.length !== p.size)) {
        throw new Error(`optimizer state: parameter ${i} has ${moments.length} moments of ${moments[0]?.length} ` +
          `elements, expected ${this.slots} of ${p.size}`);
      }
      const own = this.stateOf(p);
      moments.forEach((m, k) => own[k]!.set(m));
    });
    this.stepCount = saved.stepCount;
  }

  /** Moment buffers of one parameter, made (zeroed) on its first update. */
  protected stateOf(p: Tensor): Floats[] {
    let s = this.state.get(p);
    if (!s) {
      const make = () => (p.dtype === 'float64' ? new Float64Array(p.size) : new Float32Array(p.size));
      s = Array.from({ length: this.slots }, make);
      this.state.set(p, s);
    }
    return s;
  }
}

export class AdamW extends Optimizer {
  constructor(params: readonly Tensor[], readonly options: AdamWOptions) {
    super(params, 2);
  }

  /** One update of every parameter with a gradient; `lr` overrides options.lr (schedules). */
  step(lr = this.options.lr): void {
    const t = ++this.stepCount;
    const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0.1 } = this.options;
    const h = { lr, beta1, beta2, eps, weightDecay, biasCorrection1: 1 - beta1 ** t, biasCorrection2: 1 - beta2 ** t };
    const decayFree = { ...h, weightDecay: 0 };
    for (const p of this.params) {
      if (!p.grad) continue; // no gradient reached it: leave it and its moments alone
      const [m, v] = this.stateOf(p);
      backendFor(p.data).adamw(p.size, p.data, p.grad, m!, v!, this.options.noDecay?.has(p) ? decayFree : h);
    }
  }
}

export class AdEMAMix extends Optimizer {
  constructor(params: readonly Tensor[], readonly options: AdEMAMixOptions) {
    super(params, 3);
  }

  step(lr = this.options.lr): void {
    const t = ++this.stepCount;
    const o = this.options;
    const beta1 = o.beta1 ?? 0.9, beta2 = o.beta2 ?? 0.999;
    const h = {
      lr, beta1, beta2, eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0.1,
      beta3: ademamixBeta3(t, beta1, o.beta3 ?? 0.9999, o.beta3Warmup ?? 0),
      alpha: ademamixAlpha(t, o.alpha ?? 8, o.alphaWarmup ?? 0),
      biasCorrection1: 1 - beta1 ** t, biasCorrection2: 1 - beta2 ** t,
    };
    const decayFree = { ...h, weightDecay: 0 };
    for (const p of this.params) {
      if (!p.grad) continue;
      const [m1, m2, v] = this.stateOf(p);
      backendFor(p.data).ademamix(p.size, p.data, p.grad, m1!, m2!, v!, this.options.noDecay?.has(p) ? decayFree : h);
    }
  }
}

/**
 * Scales all gradients so their global L2 norm is at most maxNorm (R8: 0.1), as PyTorch's
 * clip_grad_norm_ (factor maxNorm / (norm + 1e-6)). Returns the norm before clipping, for logs.
 * maxNorm <= 0 only measures; a NaN/Inf norm is returned as it is and nothing is scaled.
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): number {
  let squares = 0;
  for (const p of params) if (p.grad) squares += backendFor(p.grad).sumSquares(p.size, p.grad);
  const norm = Math.sqrt(squares);
  if (maxNorm > 0 && Number.isFinite(norm) && norm > maxNorm) {
    const factor = maxNorm / (norm + 1e-6);
    for (const p of params) if (p.grad) backendFor(p.grad).scale(p.size, factor, p.grad, p.grad);
  }
  return norm;
}
