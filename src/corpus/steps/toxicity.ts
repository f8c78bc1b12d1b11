import { z } from 'zod';
import { DEFAULT_MIN_PER_LANGUAGE } from '../scores/cutoffs.js';
import { DEFAULT_MAX_CHUNK_CHARS } from '../scores/fasttext.js';
import { DEFAULT_TOXIC_LABEL, scorerSpecFromOptions } from '../scores/scorer.js';
import type { Step } from '../step.js';
import { createCutoffStep, parseStepOptions } from './score-filter.js';

/**
 * `toxicity` (Apertus): removes the most toxic documents of each language, the top
 * (100 - percentile)% by a per-language cut-off calibrated on a sample (`apertus data
 * calibrate`); documents of languages without a cut-off: a random share by id hash (default).
 * Writes `toxicity_score` into every document's metadata, removed ones included.
 * Reasons: `toxicity_above_cutoff`, `toxicity_random_drop_other_language`,
 * `toxicity_language_without_cutoff` (with `other_languages: drop`).
 */
export const toxicityOptions = {
  /** lexicon: LDNOOBW bad words per 1,000 words; fasttext: a user's supervised classifier. */
  scorer: z.enum(['lexicon', 'fasttext']).default('lexicon'),
  /** fastText model file (scorer: fasttext). */
  model: z.string().optional(),
  /** The label whose probability is the score (scorer: fasttext). */
  label: z.string().default(DEFAULT_TOXIC_LABEL),
  /** Longest chunk scored at once (scorer: fasttext); the document takes its worst chunk. */
  max_chunk_chars: z.number().int().positive().default(DEFAULT_MAX_CHUNK_CHARS),
  /** The cut-offs file written by `apertus data calibrate`. */
  cutoffs: z.string(),
  /** The cut-off's percentile: 95 removes the top 5% of each language. */
  percentile: z.number().gt(0).lt(100).default(95),
  other_languages: z.enum(['random', 'keep', 'drop']).default('random'),
  /** Calibration only: languages with fewer sampled documents get no cut-off. */
  min_per_language: z.number().int().positive().default(DEFAULT_MIN_PER_LANGUAGE),
};

export type ToxicityOptions = z.input<z.ZodObject<typeof toxicityOptions>> & { name?: string };

export function createToxicityStep(options: ToxicityOptions): Step {
  const parsed = parseStepOptions('toxicity', toxicityOptions, options);
  const name = options.name ?? 'toxicity';
  return createCutoffStep({
    kind: 'toxicity',
    name,
    scorer: scorerSpecFromOptions(name, parsed),
    cutoffs: parsed.cutoffs,
    percentile: parsed.percentile,
    direction: 'drop_high',
    otherLanguages: parsed.other_languages,
    missing: 'keep',
    scoreField: 'toxicity_score',
    reasonPrefix: 'toxicity',
  });
}
