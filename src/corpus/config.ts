import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { loadConfig, parseConfig } from '../util/config.js';
import { DEFAULT_FIELDS } from './io/types.js';
import { STEP_DEFINITIONS } from './steps/index.js';

const stepSchemas = STEP_DEFINITIONS.map((d) =>
  z
    .object({
      step: z.literal(d.kind),
      name: z.string().regex(/^[a-z0-9_-]+$/i, 'letters, digits, _ and - only').optional(),
      ...d.options,
    })
    .strict(),
);

const StepSchema = z.discriminatedUnion('step', stepSchemas as unknown as [z.ZodObject, ...z.ZodObject[]]);

export const PipelineSchema = z
  .object({
    name: z.string().default('pipeline'),
    input: z
      .object({
        /** A file or a folder (searched recursively), or a list of them. */
        path: z.union([z.string(), z.array(z.string()).min(1)]),
        format: z.enum(['auto', 'jsonl', 'parquet', 'warc']).default('auto'),
        fields: z
          .object({
            id: z.string().default(DEFAULT_FIELDS.id),
            text: z.string().default(DEFAULT_FIELDS.text),
            url: z.string().default(DEFAULT_FIELDS.url),
            date: z.string().default(DEFAULT_FIELDS.date),
            source: z.string().default(DEFAULT_FIELDS.source),
          })
          .strict()
          .prefault({}),
      })
      .strict(),
    output: z
      .object({
        /** The run folder: documents/, removed/, stats.json, manifest.json. */
        path: z.string(),
        format: z.enum(['jsonl', 'jsonl.gz', 'jsonl.zst', 'parquet']).default('jsonl.zst'),
        /** Write removed documents, with their reason, under removed/<step>/ (the audit). */
        removed: z.boolean().default(true),
        /** Keep what global steps (deduplication) wrote under stages/ after the run completes. */
        keep_stages: z.boolean().default(false),
      })
      .strict(),
    /** A malformed record: skip it (reported and counted) or fail the task. */
    on_error: z.enum(['skip', 'fail']).default('skip'),
    /** Worker threads for the local executor; default: one per core. */
    workers: z.number().int().positive().optional(),
    steps: z.array(StepSchema).default([]),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.steps.forEach((step, i) => {
      const name = stepName(step as StepConfig);
      if (seen.has(name)) {
        ctx.addIssue({ code: 'custom', path: ['steps', i, 'name'], message: `two steps are named ${name}: give one a distinct name` });
      }
      seen.add(name);
    });
  });

/** One step as validated: its kind, its optional name, and the options of that kind. */
export interface StepConfig {
  step: string;
  name?: string;
  [option: string]: unknown;
}

export type PipelineConfig = Omit<z.output<typeof PipelineSchema>, 'steps'> & { steps: StepConfig[] };

/** The name a step is known by in counters and in removed/: its `name`, else its kind. */
export function stepName(step: StepConfig): string {
  return step.name ?? step.step;
}

/** Load and validate a pipeline YAML; relative paths are resolved against the file's folder. */
export async function loadPipelineConfig(file: string): Promise<PipelineConfig> {
  return resolvePaths((await loadConfig(file, PipelineSchema)) as PipelineConfig, dirname(resolve(file)));
}

export function parsePipelineConfig(text: string, file: string, baseDir: string): PipelineConfig {
  return resolvePaths(parseConfig(text, file, PipelineSchema) as PipelineConfig, baseDir);
}

function resolvePaths(config: PipelineConfig, baseDir: string): PipelineConfig {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const input = { ...config.input, path: Array.isArray(config.input.path) ? config.input.path.map(abs) : abs(config.input.path) };
  const output = { ...config.output, path: abs(config.output.path) };
  const steps = config.steps.map((step) => {
    const definition = STEP_DEFINITIONS.find((d) => d.kind === step.step)!;
    const out: Record<string, unknown> = { ...step };
    for (const key of definition.paths ?? []) {
      const value = out[key];
      if (typeof value === 'string') out[key] = abs(value);
      else if (Array.isArray(value)) out[key] = value.map((v) => abs(String(v)));
    }
    return out as StepConfig;
  });
  return { ...config, input, output, steps };
}
