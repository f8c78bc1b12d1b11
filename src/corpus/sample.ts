import { stepName, type PipelineConfig, type StepConfig } from './config.js';
import type { Document } from './document.js';
import { openReader } from './io/index.js';
import type { InputFormat } from './io/types.js';
import { buildStep, isGlobalConfig } from './plan.js';
import { listRunInputs } from './run.js';

/**
 * The documents as they reach step `name`: read the input files in task order and pass them
 * through the ordinary steps before it (global steps are skipped: a calibration sample need not
 * be deduplicated). Stops after `limit` documents. Used to calibrate score cut-offs on a sample.
 */
export async function* documentsReaching(config: PipelineConfig, name: string, limit: number): AsyncGenerator<Document> {
  const index = config.steps.findIndex((s) => stepName(s) === name);
  if (index < 0) throw new Error(`no step named ${name}`);
  const before = config.steps.slice(0, index).filter((s: StepConfig) => !isGlobalConfig(s)).map(buildStep);
  const files = await listRunInputs(config);
  let produced = 0;
  for (const [task, file] of files.entries()) {
    for (const step of before) await step.open?.({ index: task, inputFile: file });
    const format = config.input.format === 'auto' ? undefined : (config.input.format as InputFormat);
    const documents = openReader(file, { fields: config.input.fields, onBadRecord: () => undefined }, format);
    for await (const doc of documents) {
      if (!before.every((step) => step.apply(doc, {}).keep)) continue;
      yield doc;
      if (++produced >= limit) return;
    }
  }
}
