import { UserError } from '../../util/errors.js';
import type { Document } from '../document.js';
import { createFastTextScorer, DEFAULT_MAX_CHUNK_CHARS, type FastTextScorerSpec } from './fasttext.js';
import { createLexiconScorer } from './lexicon.js';

/**
 * Something that gives a document a number: higher = more of the property (more toxic, higher
 * quality). `name` says which scorer with which settings; it is written into a cut-offs file so
 * that a step never applies cut-offs computed with another scorer.
 */
export interface Scorer {
  name: string;
  /** NaN when the document has no score (a `field` scorer on a document without the field). */
  score(doc: Document): number;
}

export type ScorerSpec =
  | { scorer: 'lexicon' }
  | FastTextScorerSpec
  /** A number some earlier step wrote into `doc.metadata[field]` (a quality classifier's score). */
  | { scorer: 'field'; field: string };

/** Builds a scorer; asynchronous because a model may have to be loaded. */
export async function createScorer(spec: ScorerSpec): Promise<Scorer> {
  switch (spec.scorer) {
    case 'lexicon':
      return createLexiconScorer();
    case 'fasttext':
      return createFastTextScorer(spec);
    case 'field':
      return createFieldScorer(spec.field);
  }
}

function createFieldScorer(field: string): Scorer {
  return {
    name: `field(${field})`,
    score(doc: Document): number {
      const value = doc.metadata[field];
      if (typeof value === 'number') return value;
      if (typeof value === 'string' && value.trim() !== '') return Number(value);
      return Number.NaN;
    },
  };
}

/**
 * Scores are rounded once, before they are written, calibrated or compared, so the score in a
 * document's metadata is exactly the one its verdict was based on.
 */
export function roundScore(score: number): number {
  return Math.round(score * 1e6) / 1e6;
}

export const DEFAULT_TOXIC_LABEL = '__label__toxic';

/** The options of the `toxicity` and `score_filter` steps that say how documents are scored. */
export interface ScoringOptions {
  /** `toxicity`: which scorer. */
  scorer?: 'lexicon' | 'fasttext';
  /** `score_filter`: a numeric metadata field holding the score. */
  field?: string;
  model?: string;
  label?: string;
  max_chunk_chars?: number;
}

/** The scorer a step's options describe; the errors name the option to fix. */
export function scorerSpecFromOptions(step: string, options: ScoringOptions): ScorerSpec {
  const { scorer, field, model, label } = options;
  if (field !== undefined) {
    if (model !== undefined) throw new UserError(`${step}: give either field or model, not both`);
    return { scorer: 'field', field };
  }
  if (scorer === 'lexicon') {
    if (model !== undefined) throw new UserError(`${step}: model is only used with scorer: fasttext`);
    return { scorer: 'lexicon' };
  }
  if (model === undefined) {
    const what = scorer === 'fasttext' ? 'scorer: fasttext needs model (a fastText classifier file)' : 'needs field (a metadata score) or model (a fastText classifier file)';
    throw new UserError(`${step}: ${what}`);
  }
  // `scorer: fasttext` is the toxicity step's option, so its label defaults to the toxic one.
  const wanted = label ?? (scorer === 'fasttext' ? DEFAULT_TOXIC_LABEL : undefined);
  if (wanted === undefined) throw new UserError(`${step}: model needs label (the label whose probability is the score)`);
  return { scorer: 'fasttext', model, label: wanted, max_chunk_chars: options.max_chunk_chars ?? DEFAULT_MAX_CHUNK_CHARS };
}
