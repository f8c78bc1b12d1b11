import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { formatPath } from '../../util/config.js';
import { UserError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/fs.js';
import type { Document } from '../document.js';

/**
 * Per-language score cut-offs, estimated on a sample (Apertus removes the top 5% most toxic
 * documents of each language). The file that calibration writes and the steps read:
 *
 *   { "score": "lexicon", "direction": "drop_high", "percentile": 95, "sample_size": 20000,
 *     "min_per_language": 100, "cutoffs": { "de": 1.93, "en": 2.41 }, "tie_shares": { "en": 0.4 },
 *     "counts": { "de": 5120, "en": 14800, "sw": 80 } }
 *
 * `counts` has every language of the sample; `cutoffs` only those with at least
 * `min_per_language` documents (a quantile of a handful of documents would be noise).
 *
 * The rule (drop_high; drop_low is its mirror image):
 * - the cut-off is the exact inverted-CDF quantile of the language's sample: the smallest sample
 *   score with at least `percentile`% of the sample at or below it;
 * - a document strictly above the cut-off is removed; that is at most (100 - percentile)% of the
 *   sample, whatever the ties;
 * - a document exactly at the cut-off is kept, except when the cut-off sits on a block of tied
 *   scores that the target share cuts through (a classifier saturating at 1.0 for 8% of a
 *   language): then `tie_shares[language]` of the tied documents are removed, chosen by a hash
 *   of their id, so the language still loses about (100 - percentile)% and not 0%;
 * - no tie share when the cut-off is the lowest score of the sample: when 97% of a language's
 *   documents score 0 on the lexicon, the cut-off is 0 and only the 3% with a match go. A
 *   document with the floor score (no bad word at all) is never removed.
 */
export interface CutoffsFile {
  /** The scorer's name (with its settings): a step refuses cut-offs computed with another scorer. */
  score: string;
  direction: Direction;
  percentile: number;
  sample_size: number;
  min_per_language: number;
  cutoffs: Record<string, number>;
  /** Share of the documents exactly at the cut-off that go (languages with a non-zero share only). */
  tie_shares: Record<string, number>;
  counts: Record<string, number>;
}

/** drop_high: remove the highest scores (toxicity); drop_low: the lowest (quality). */
export type Direction = 'drop_high' | 'drop_low';

/** 95 for drop_high (remove the top 5%), 5 for drop_low (remove the bottom 5%). */
export function defaultPercentile(direction: Direction): number {
  return direction === 'drop_high' ? 95 : 5;
}

/** The share of documents a percentile removes: 5% for drop_high at 95, 10% for drop_low at 10. */
export function removedShare(direction: Direction, percentile: number): number {
  return direction === 'drop_high' ? (100 - percentile) / 100 : percentile / 100;
}

export const DEFAULT_MIN_PER_LANGUAGE = 100;
/** The language key of documents without a language label (ISO 639 "undetermined"). */
export const UNDETERMINED = 'und';

/** The key a document's cut-off is looked up under: its `language` label as written upstream. */
export function languageOf(doc: Document): string {
  const language = doc.metadata.language;
  return typeof language === 'string' && language.trim() !== '' ? language.trim() : UNDETERMINED;
}

export interface ScoreSample {
  language: string;
  score: number;
}

/** Per language: sample documents strictly beyond the cut-off and exactly at it. */
export type Tails = Record<string, { beyond: number; tied: number }>;

/**
 * Exact per-language quantiles. Memory: 8 bytes per sampled score (1M documents = 8 MB), bounded
 * by the sample size the caller chooses, so no approximate sketch is needed.
 */
export async function computeCutoffs(
  samples: AsyncIterable<ScoreSample> | Iterable<ScoreSample>,
  percentile: number,
  minPerLanguage = DEFAULT_MIN_PER_LANGUAGE,
  direction: Direction = 'drop_high',
): Promise<Omit<CutoffsFile, 'score'> & { tails: Tails }> {
  checkPercentile(percentile);
  const scores = new Map<string, GrowableArray>();
  let sampleSize = 0;
  for await (const { language, score } of samples) {
    if (!Number.isFinite(score)) throw new Error(`computeCutoffs: score ${score} for ${language} is not a finite number`);
    let list = scores.get(language);
    if (!list) scores.set(language, (list = new GrowableArray()));
    list.push(score);
    sampleSize++;
  }
  const cutoffs: Record<string, number> = {};
  const tieShares: Record<string, number> = {};
  const counts: Record<string, number> = {};
  const tails: Tails = {};
  for (const language of [...scores.keys()].sort()) {
    const sorted = scores.get(language)!.sorted();
    counts[language] = sorted.length;
    if (sorted.length < minPerLanguage) continue;
    // For drop_low the same quantile, mirrored: at most `percentile`% strictly below it.
    const cutoff = direction === 'drop_high' ? quantile(sorted, percentile) : -quantile(mirror(sorted), 100 - percentile);
    const first = lowerBound(sorted, cutoff);
    const end = upperBound(sorted, cutoff);
    const beyond = direction === 'drop_high' ? sorted.length - end : first;
    const onFloor = direction === 'drop_high' ? first === 0 : end === sorted.length;
    const missing = removedShare(direction, percentile) * sorted.length - beyond;
    const tieShare = onFloor || missing <= 0 ? 0 : Math.min(1, Math.round((missing / (end - first)) * 1e6) / 1e6);
    cutoffs[language] = cutoff;
    if (tieShare > 0) tieShares[language] = tieShare;
    tails[language] = { beyond, tied: end - first };
  }
  return { direction, percentile, sample_size: sampleSize, min_per_language: minPerLanguage, cutoffs, tie_shares: tieShares, counts, tails };
}

/** The negated values in ascending order. */
function mirror(sorted: Float64Array): Float64Array {
  return sorted.map((_, i) => -sorted[sorted.length - 1 - i]!);
}

/** The smallest value of `sorted` with at least `percentile`% of the values at or below it. */
export function quantile(sorted: Float64Array, percentile: number): number {
  if (sorted.length === 0) throw new Error('quantile of an empty sample');
  // The epsilon keeps 95% of 20 at rank 19 when floating point gives 19.000000000000004.
  const rank = Math.ceil((percentile * sorted.length) / 100 - 1e-9);
  return sorted[Math.min(Math.max(rank, 1), sorted.length) - 1]!;
}

/** Index of the first value >= x. */
function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first value > x. */
function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

class GrowableArray {
  private values = new Float64Array(64);
  private length = 0;

  push(value: number): void {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = value;
  }

  sorted(): Float64Array {
    return this.values.slice(0, this.length).sort();
  }
}

export function checkPercentile(percentile: number): void {
  if (!(percentile > 0 && percentile < 100)) throw new UserError(`percentile must be between 0 and 100 (exclusive), got ${percentile}`);
}

const CutoffsSchema = z
  .object({
    score: z.string().min(1),
    percentile: z.number().gt(0).lt(100),
    sample_size: z.number().int().nonnegative(),
    min_per_language: z.number().int().positive().default(DEFAULT_MIN_PER_LANGUAGE),
    direction: z.enum(['drop_high', 'drop_low']).default('drop_high'),
    cutoffs: z.record(z.string(), z.number()),
    tie_shares: z.record(z.string(), z.number().min(0).max(1)).default({}),
    counts: z.record(z.string(), z.number().int().nonnegative()),
  })
  .superRefine((file, ctx) => {
    for (const language of Object.keys(file.cutoffs)) {
      if (file.counts[language] === undefined) {
        ctx.addIssue({ code: 'custom', path: ['counts', language], message: `missing: every language in cutoffs needs its sample count` });
      }
    }
    for (const language of Object.keys(file.tie_shares)) {
      if (file.cutoffs[language] === undefined) {
        ctx.addIssue({ code: 'custom', path: ['tie_shares', language], message: `language has no cut-off` });
      }
    }
  });

export async function writeCutoffs(path: string, file: CutoffsFile): Promise<void> {
  const { score, direction, percentile, sample_size, min_per_language } = file;
  const [cutoffs, tie_shares, counts] = [sortKeys(file.cutoffs), sortKeys(file.tie_shares), sortKeys(file.counts)];
  const ordered = { score, direction, percentile, sample_size, min_per_language, cutoffs, tie_shares, counts };
  await writeFileAtomic(path, `${JSON.stringify(ordered, null, 2)}\n`);
}

function sortKeys(record: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Read and validate a cut-offs file; every error names the file and the field. */
export async function readCutoffs(path: string): Promise<CutoffsFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UserError(`${path}: cut-offs file not found: run \`apertus data calibrate\` on this pipeline first (it scores a sample and writes the per-language cut-offs there)`);
    }
    throw new UserError(`${path}: cannot read cut-offs file (${code ?? err})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path}: cut-offs file is not valid JSON (${(err as Error).message})`);
  }
  const result = CutoffsSchema.safeParse(json);
  if (!result.success) {
    const messages = result.error.issues.map((issue) => `${path}: ${formatPath(issue.path) || '(top level)'}: ${issue.message.replace(/^Invalid input: /, '')}`);
    throw new UserError(messages.join('\n'));
  }
  return result.data;
}
