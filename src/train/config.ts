/**
 * The data-side sections of `apertus train config.yaml` (`data`, `goldfish`, `schedule`), for the
 * trainer's schema to spread in:
 *
 *   const TrainSchema = z.object({ ...TRAIN_DATA_SECTIONS, model: ..., optimizer: ..., steps: ... }).strict();
 *
 * An omitted `goldfish:` is Apertus's setting (on, hash, k = h = 50); `goldfish: { enabled: false }`
 * trains on every token.
 */
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { loadConfig, parseConfig } from '../util/config.js';
import { DataSchema, resolveDataPaths } from './data-config.js';
import { GoldfishSchema } from './goldfish.js';
import { ScheduleSchema } from './schedule.js';

export const TRAIN_DATA_SECTIONS = {
  data: DataSchema,
  goldfish: GoldfishSchema.prefault({}),
  schedule: ScheduleSchema,
};

/** The three sections; other top-level keys (the trainer's) are ignored here. */
export const TrainDataSectionsSchema = z.object(TRAIN_DATA_SECTIONS);
export type TrainDataSections = z.output<typeof TrainDataSectionsSchema>;

/** Load the sections from a YAML file; shard paths are resolved against the file's folder. */
export async function loadTrainDataSections(file: string): Promise<TrainDataSections> {
  const sections = await loadConfig(file, TrainDataSectionsSchema);
  return { ...sections, data: resolveDataPaths(sections.data, dirname(resolve(file))) };
}

/** The same from YAML text (`file` names it in errors; paths resolve against `baseDir`). */
export function parseTrainDataSections(text: string, file: string, baseDir: string): TrainDataSections {
  const sections = parseConfig(text, file, TrainDataSectionsSchema);
  return { ...sections, data: resolveDataPaths(sections.data, baseDir) };
}
