import { z } from 'zod';
import { formatPath } from '../../util/config.js';
import { UserError } from '../../util/errors.js';
import type { Document } from '../document.js';
import { createCutoffRule, type CutoffRule, type OtherLanguages } from '../scores/cutoff-rule.js';
import { DEFAULT_MIN_PER_LANGUAGE, defaultPercentile, languageOf, readCutoffs, type Direction } from '../scores/cutoffs.js';
import { DEFAULT_MAX_CHUNK_CHARS } from '../scores/fasttext.js';
import { createScorer, roundScore, scorerSpecFromOptions, type Scorer, type ScorerSpec } from '../scores/scorer.js';
import { KEEP, remove, type ExtraCounters, type Step, type Verdict } from '../step.js';

/**
 * `score_filter`: per-language percentile cut-offs on any score, either a number an earlier step
 * wrote into the metadata (`field`, e.g. a quality classifier's score) or the probability of a
 * label of a fastText classifier (`model`, `label`). The cut-offs come from `apertus data
 * calibrate` (see scores/cutoffs.ts for the rule); `toxicity` is this step with a toxicity scorer.
 */
export const scoreFilterOptions = {
  /** A numeric metadata field holding the score. */
  field: z.string().min(1).optional(),
  /** Or a supervised fastText model whose `label` probability is the score. */
  model: z.string().optional(),
  label: z.string().optional(),
  max_chunk_chars: z.number().int().positive().default(DEFAULT_MAX_CHUNK_CHARS),
  /** With `model`: the metadata field the score is written to (default `<label>_score`). */
  score_field: z.string().min(1).optional(),
  /** The cut-offs file written by `apertus data calibrate`. */
  cutoffs: z.string(),
  direction: z.enum(['drop_high', 'drop_low']).default('drop_high'),
  /** Where the cut-off lies; default 95 for drop_high (top 5% go), 5 for drop_low (bottom 5% go). */
  percentile: z.number().gt(0).lt(100).optional(),
  other_languages: z.enum(['random', 'keep', 'drop']).default('random'),
  /** Documents without a score (`field` absent or not a number). */
  missing: z.enum(['keep', 'remove']).default('keep'),
  /** Calibration only: languages with fewer sampled documents get no cut-off. */
  min_per_language: z.number().int().positive().default(DEFAULT_MIN_PER_LANGUAGE),
};

export type ScoreFilterOptions = z.input<z.ZodObject<typeof scoreFilterOptions>> & { name?: string };

export function createScoreFilterStep(options: ScoreFilterOptions): Step {
  const parsed = parseStepOptions('score_filter', scoreFilterOptions, options);
  const name = options.name ?? 'score_filter';
  const scorer = scorerSpecFromOptions(name, parsed);
  const label = scorer.scorer === 'fasttext' ? scorer.label.replace(/^__label__/, '') : undefined;
  return createCutoffStep({
    kind: 'score_filter',
    name,
    scorer,
    cutoffs: parsed.cutoffs,
    percentile: parsed.percentile ?? defaultPercentile(parsed.direction),
    direction: parsed.direction,
    otherLanguages: parsed.other_languages,
    missing: parsed.missing,
    scoreField: parsed.score_field ?? (label === undefined ? undefined : `${label}_score`),
    reasonPrefix: 'score',
  });
}

export interface CutoffStepConfig {
  kind: string;
  name: string;
  scorer: ScorerSpec;
  /** Path of the cut-offs file. */
  cutoffs: string;
  /** Must equal the file's: a file calibrated at another percentile is refused. */
  percentile: number;
  direction: Direction;
  otherLanguages: OtherLanguages;
  missing: 'keep' | 'remove';
  /** The metadata field the rounded score is written to; none when the score came from one. */
  scoreField: string | undefined;
  /** Reasons are `<prefix>_above_cutoff`, `<prefix>_random_drop_other_language` ... */
  reasonPrefix: string;
}

/**
 * A step that scores each document and removes it by its language's cut-off. Counter
 * `no_cutoff_language`: documents whose language has no cut-off (handled by `other_languages`).
 */
export function createCutoffStep(config: CutoffStepConfig): Step {
  const prefix = config.reasonPrefix;
  let loaded: { scorer: Scorer; rule: CutoffRule } | undefined;
  return {
    kind: config.kind,
    name: config.name,
    async open(): Promise<void> {
      loaded ??= await load(config);
    },
    apply(doc: Document, extra: ExtraCounters): Verdict {
      if (!loaded) throw new Error(`${config.name}: apply() called before open()`);
      const raw = loaded.scorer.score(doc);
      if (!Number.isFinite(raw)) {
        extra.score_missing = (extra.score_missing ?? 0) + 1;
        return config.missing === 'remove' ? remove(`${prefix}_missing`) : KEEP;
      }
      const score = roundScore(raw);
      if (config.scoreField !== undefined) doc.metadata[config.scoreField] = score;
      const language = languageOf(doc);
      const outcome = loaded.rule(language, score, doc.id);
      if (!outcome.remove) {
        if (outcome.cutoff === undefined) extra.no_cutoff_language = (extra.no_cutoff_language ?? 0) + 1;
        return KEEP;
      }
      if (outcome.why === 'beyond_cutoff') {
        const [side, sign] = config.direction === 'drop_high' ? ['above', '>'] : ['below', '<'];
        return remove(`${prefix}_${side}_cutoff`, `${language}: ${score} ${sign} ${outcome.cutoff}`);
      }
      if (outcome.why === 'tie_at_cutoff') return remove(`${prefix}_at_cutoff_tie`, `${language}: ${score} = cut-off, tie share drawn`);
      extra.no_cutoff_language = (extra.no_cutoff_language ?? 0) + 1;
      return remove(`${prefix}_${outcome.why}`, language);
    },
  };
}

async function load(config: CutoffStepConfig): Promise<{ scorer: Scorer; rule: CutoffRule }> {
  const file = await readCutoffs(config.cutoffs);
  const scorer = await createScorer(config.scorer);
  const again = 'run `apertus data calibrate` again with this step';
  if (file.score !== scorer.name) {
    throw new UserError(`${config.cutoffs}: score: cut-offs were computed with ${file.score}, but step ${config.name} scores with ${scorer.name}; ${again}`);
  }
  if (file.direction !== config.direction) {
    throw new UserError(`${config.cutoffs}: direction: cut-offs were computed for ${file.direction}, but step ${config.name} uses ${config.direction}; ${again}`);
  }
  if (file.percentile !== config.percentile) {
    throw new UserError(`${config.cutoffs}: percentile: cut-offs are at percentile ${file.percentile}, but step ${config.name} asks for ${config.percentile}; ${again}`);
  }
  return { scorer, rule: createCutoffRule(file, { direction: config.direction, otherLanguages: config.otherLanguages, salt: config.name }) };
}

/**
 * Validate a step's options against its zod shape and apply the defaults, so the factories work
 * the same when called from code as from a validated pipeline YAML; errors name the field.
 */
export function parseStepOptions<S extends z.ZodRawShape>(kind: string, shape: S, options: unknown): z.output<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(options);
  if (result.success) return result.data;
  const messages = result.error.issues.map((issue) => `${kind}: ${formatPath(issue.path) || '(options)'}: ${issue.message.replace(/^Invalid input: /, '')}`);
  throw new UserError(messages.join('\n'));
}
