import type { Document } from '../document.js';
import {
  computeCutoffs,
  DEFAULT_MIN_PER_LANGUAGE,
  defaultPercentile,
  languageOf,
  removedShare,
  writeCutoffs,
  type CutoffsFile,
  type Direction,
  type ScoreSample,
  type Tails,
} from './cutoffs.js';
import { createScorer, roundScore, scorerSpecFromOptions, type Scorer, type ScoringOptions } from './scorer.js';

export interface CalibrationOptions {
  percentile: number;
  direction?: Direction;
  /** Read at most this many documents (default: all of them). */
  sample?: number;
  minPerLanguage?: number;
  /** Called every 1,000 documents and at the end with the number read so far. */
  onProgress?: (read: number) => void;
}

export interface Calibration {
  file: CutoffsFile;
  tails: Tails;
  /** Documents read that had no score (a `field` scorer on a document without the field). */
  skipped: number;
}

/** Score the first `sample` documents and compute each language's cut-off. */
export async function calibrateScores(documents: AsyncIterable<Document>, scorer: Scorer, options: CalibrationOptions): Promise<Calibration> {
  const limit = options.sample ?? Number.POSITIVE_INFINITY;
  let read = 0;
  let skipped = 0;
  async function* samples(): AsyncGenerator<ScoreSample> {
    if (limit <= 0) return;
    for await (const doc of documents) {
      const score = roundScore(scorer.score(doc));
      read++;
      if (Number.isFinite(score)) yield { language: languageOf(doc), score };
      else skipped++;
      if (read % 1000 === 0) options.onProgress?.(read);
      if (read >= limit) break;
    }
    options.onProgress?.(read);
  }
  const minPerLanguage = options.minPerLanguage ?? DEFAULT_MIN_PER_LANGUAGE;
  const { tails, ...cutoffs } = await computeCutoffs(samples(), options.percentile, minPerLanguage, options.direction ?? 'drop_high');
  return { file: { score: scorer.name, ...cutoffs }, tails, skipped };
}

/** What the `toxicity` and `score_filter` steps' options say about calibration. */
export interface CutoffStepOptions extends ScoringOptions {
  name?: string;
  /** The step kind, as in the pipeline YAML (`step: toxicity`); used in error messages. */
  step?: string;
  cutoffs?: string;
  percentile?: number;
  direction?: Direction;
  min_per_language?: number;
}

export interface LanguageCalibration {
  language: string;
  /** Documents of this language in the sample. */
  count: number;
  /** Absent when the language had fewer than `min_per_language` documents. */
  cutoff?: number;
  /** Share of the language's documents at the cut-off that go (see cutoffs.ts). */
  tie_share?: number;
  /** Share of the sample the step removes: strictly beyond the cut-off, plus the expected tie share. */
  removed_share?: number;
}

export interface CalibrationSummary {
  out: string;
  score: string;
  percentile: number;
  direction: Direction;
  /** The share the percentile aims to remove (0.05 at 95, drop_high). */
  target_share: number;
  sample_size: number;
  skipped: number;
  languages: LanguageCalibration[];
}

/**
 * `apertus data calibrate`: build the scorer a step's options describe, score up to `sample`
 * documents, and write the per-language cut-offs at the step's percentile to `out` (default: the
 * step's `cutoffs` path). Returns one line's worth per language for printing.
 */
export async function calibrate(
  documents: AsyncIterable<Document>,
  stepOptions: CutoffStepOptions,
  run: { sample: number; out?: string; onProgress?: (read: number) => void },
): Promise<CalibrationSummary> {
  const step = stepOptions.name ?? stepOptions.step ?? (stepOptions.scorer ? 'toxicity' : 'score_filter');
  const out = run.out ?? stepOptions.cutoffs;
  if (out === undefined) throw new Error(`${step}: calibrate needs an output path (the step's cutoffs option)`);
  const direction = stepOptions.direction ?? 'drop_high';
  const percentile = stepOptions.percentile ?? defaultPercentile(direction);
  // Options that did not go through the toxicity schema may lack its default scorer.
  const scoring = stepOptions.step === 'toxicity' ? { ...stepOptions, scorer: stepOptions.scorer ?? 'lexicon' } : stepOptions;
  const scorer = await createScorer(scorerSpecFromOptions(step, scoring));
  const calibration = await calibrateScores(documents, scorer, {
    percentile,
    direction,
    sample: run.sample,
    minPerLanguage: stepOptions.min_per_language ?? DEFAULT_MIN_PER_LANGUAGE,
    ...(run.onProgress ? { onProgress: run.onProgress } : {}),
  });
  await writeCutoffs(out, calibration.file);
  const { file, tails } = calibration;
  const languages = Object.entries(file.counts).map(([language, count]): LanguageCalibration => {
    const cutoff = file.cutoffs[language];
    if (cutoff === undefined) return { language, count };
    const { beyond, tied } = tails[language]!;
    const tie_share = file.tie_shares[language] ?? 0;
    return { language, count, cutoff, tie_share, removed_share: (beyond + tie_share * tied) / count };
  });
  return {
    out,
    score: file.score,
    percentile,
    direction,
    target_share: removedShare(direction, percentile),
    sample_size: file.sample_size,
    skipped: calibration.skipped,
    languages,
  };
}
