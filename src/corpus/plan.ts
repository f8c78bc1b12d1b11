import { stepName, type PipelineConfig, type StepConfig } from './config.js';
import { isGlobalStep, type GlobalStep } from './global-step.js';
import type { Step } from './step.js';
import { stepDefinition } from './steps/index.js';

/**
 * A pipeline cut at its global steps. With steps [a, b, G, c] there are two segments:
 *   segment 0: read the input -> a -> b -> collect for G   (documents kept for segment 1)
 *   (G resolves once, over all tasks)
 *   segment 1: read what segment 0 kept -> filter by G -> c -> write the output
 */
export interface Segment {
  index: number;
  /** The global step whose filter opens this segment (every segment but the first). */
  opening?: StepConfig;
  steps: StepConfig[];
  /** The global step that collects at the end of this segment (every segment but the last). */
  closing?: StepConfig;
}

export function isGlobalConfig(step: StepConfig): boolean {
  return stepDefinition(step.step).global === true;
}

export function planSegments(config: PipelineConfig): Segment[] {
  const segments: Segment[] = [{ index: 0, steps: [] }];
  for (const step of config.steps) {
    const current = segments[segments.length - 1]!;
    if (isGlobalConfig(step)) {
      current.closing = step;
      segments.push({ index: segments.length, opening: step, steps: [] });
    } else {
      current.steps.push(step);
    }
  }
  return segments;
}

/** The names of a segment's steps in pipeline order, as its task counters list them. */
export function segmentStepNames(segment: Segment): { name: string; kind: string }[] {
  const list = segment.opening ? [segment.opening, ...segment.steps] : segment.steps;
  return list.map((s) => ({ name: stepName(s), kind: s.step }));
}

function create(config: StepConfig): Step | GlobalStep {
  const { step: kind, ...options } = config;
  return stepDefinition(kind).create(options);
}

export function buildStep(config: StepConfig): Step {
  const step = create(config);
  if (isGlobalStep(step)) throw new Error(`step ${stepName(config)} is global; it cannot run inside a segment`);
  return step;
}

export function buildGlobalStep(config: StepConfig): GlobalStep {
  const step = create(config);
  if (!isGlobalStep(step)) throw new Error(`step ${stepName(config)} is not a global step`);
  return step;
}
