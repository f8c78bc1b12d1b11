/**
 * Learning-rate schedules, as a function of the step about to be taken (0 = the first update).
 *
 * - `wsd` (warmup-stable-decay, Apertus's; R8): linear warmup, constant, then a cooldown
 *   lr = min + (max - min)(1 - sqrt(t / T)) over the last T steps (Haegele et al. 2024, "1-sqrt").
 *   A WSD run can be extended or branched anywhere in the constant phase; only the cooldown is tied
 *   to the planned length.
 * - `cosine`: linear warmup, then cosine from max to min over the remaining steps.
 * - `constant`: linear warmup, then max.
 *
 * Conventions: warmup step s (0-based) uses max (s + 1) / W, so the first update is not wasted at
 * lr 0 and step W - 1 reaches max. In the decay phase of length D, step s uses progress
 * p = (s - start + 1) / D in (0, 1], so the last planned step is exactly at min. Steps past the
 * planned total stay at the schedule's final value. min defaults to 0.1 max (R8).
 */
import { z } from 'zod';
import { UserError } from '../util/errors.js';

export const SCHEDULE_KINDS = ['wsd', 'cosine', 'constant'] as const;

/** The `schedule:` section of a training config. */
export const ScheduleSchema = z
  .object({
    kind: z.enum(SCHEDULE_KINDS).default('wsd'),
    /** Peak learning rate. */
    lr: z.number().positive(),
    /** Final learning rate as a fraction of `lr` (wsd, cosine). */
    min_lr_ratio: z.number().min(0).max(1).default(0.1),
    warmup_steps: z.number().int().min(0).default(0),
    /** wsd: cooldown length in steps; default `cooldown_fraction` of the total. */
    cooldown_steps: z.number().int().min(0).optional(),
    cooldown_fraction: z.number().min(0).max(1).default(0.2),
  })
  .strict();

export type ScheduleConfig = z.output<typeof ScheduleSchema>;

/** The phases of a schedule over a planned number of steps, in steps. */
export interface SchedulePlan {
  kind: ScheduleConfig['kind'];
  maxLr: number;
  minLr: number;
  totalSteps: number;
  warmupSteps: number;
  /** First step of the decay phase (cooldown for wsd, cosine for cosine; totalSteps for constant). */
  decayStart: number;
}

/** Check a schedule against the run's length and fix its phases. */
export function planSchedule(config: ScheduleConfig, totalSteps: number): SchedulePlan {
  if (!Number.isInteger(totalSteps) || totalSteps < 1) throw new UserError(`schedule: the run needs a positive whole number of steps, got ${totalSteps}`);
  const { kind, lr, warmup_steps: warmupSteps } = config;
  const cooldown = config.cooldown_steps ?? Math.round(config.cooldown_fraction * totalSteps);
  const decayStart = kind === 'wsd' ? totalSteps - cooldown : kind === 'cosine' ? warmupSteps : totalSteps;
  if (warmupSteps > totalSteps) throw new UserError(`schedule.warmup_steps: ${warmupSteps} warmup steps but the run has only ${totalSteps} steps`);
  if (kind === 'wsd' && decayStart < warmupSteps) {
    throw new UserError(`schedule: ${warmupSteps} warmup + ${cooldown} cooldown steps exceed the run's ${totalSteps} steps; shorten one of them`);
  }
  return { kind, maxLr: lr, minLr: kind === 'constant' ? lr : lr * config.min_lr_ratio, totalSteps, warmupSteps, decayStart };
}

/** The learning rate of `step` (0-based) under a plan. */
export function learningRate(plan: SchedulePlan, step: number): number {
  const { maxLr, minLr, warmupSteps, decayStart, totalSteps } = plan;
  if (!Number.isInteger(step) || step < 0) throw new RangeError(`learningRate: step must be a non-negative integer, got ${step}`);
  if (step < warmupSteps) return (maxLr * (step + 1)) / warmupSteps;
  if (step < decayStart) return maxLr;
  const length = totalSteps - decayStart;
  if (length <= 0) return maxLr; // constant, or a decay of zero steps
  const progress = Math.min(1, (step - decayStart + 1) / length);
  switch (plan.kind) {
    case 'wsd':
      return minLr + (maxLr - minLr) * (1 - Math.sqrt(progress));
    case 'cosine':
      return minLr + (maxLr - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
    case 'constant':
      return maxLr;
  }
}

/** `step -> lr` for a config and a run length. */
export function schedule(config: ScheduleConfig, totalSteps: number): (step: number) => number {
  const plan = planSchedule(config, totalSteps);
  return (step) => learningRate(plan, step);
}
