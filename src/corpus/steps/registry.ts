import { z } from 'zod';
import type { GlobalStep } from '../global-step.js';
import type { Step } from '../step.js';

/**
 * How a step kind appears in the pipeline YAML: its options schema (the single source of truth
 * for its config), which options are file paths (resolved against the config's folder), and how
 * to build the step from validated options.
 */
export interface StepDefinition<Options extends z.ZodRawShape = z.ZodRawShape> {
  kind: string;
  summary: string;
  options: Options;
  /** Option names holding a path or a list of paths. */
  paths?: string[];
  /** A global step (deduplication) makes the executor cut the pipeline there. */
  global?: boolean;
  create(options: z.output<z.ZodObject<Options>> & { name?: string }): Step | GlobalStep;
}

export function defineStep<Options extends z.ZodRawShape>(definition: StepDefinition<Options>): StepDefinition<Options> {
  return definition;
}
