import { LmTemplate } from './lm.js';
import { MlpTemplate } from './mlp.js';
import type { ModelSpec, ModelTemplate } from './task.js';

export type { ClientData, Evaluation, LabelledSet, ModelSpec, ModelTemplate } from './task.js';
export { LmTemplate, MlpTemplate };

/** The compute template for a model spec (one per process). */
export function createTemplate(spec: ModelSpec): ModelTemplate {
  return spec.kind === 'mlp' ? new MlpTemplate(spec) : new LmTemplate(spec);
}
