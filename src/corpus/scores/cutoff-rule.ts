import { removedShare, type CutoffsFile, type Direction } from './cutoffs.js';

export type { Direction };

/**
 * The decision a cut-off step makes per document, given its language and its (rounded) score.
 * - a language with a cut-off: removed when the score is strictly beyond it, or exactly at it
 *   for the file's tie share of documents (by id hash; see cutoffs.ts);
 * - a language without one (too few in the sample, or unseen): `other_languages` says what to do;
 *   `random` drops the same share the percentile removes elsewhere, chosen by a hash of the
 *   document id, so a rerun drops exactly the same documents (Apertus: "other languages: drop a
 *   random 5%").
 */

export type OtherLanguages = 'random' | 'keep' | 'drop';

export type CutoffOutcome =
  | { remove: false; cutoff?: number }
  | { remove: true; why: 'beyond_cutoff' | 'tie_at_cutoff'; cutoff: number }
  | { remove: true; why: 'random_drop_other_language' | 'language_without_cutoff' };

export interface CutoffRuleOptions {
  direction: Direction;
  otherLanguages: OtherLanguages;
  /** Mixed into the id hash, so two steps do not drop the same random documents. */
  salt: string;
}

export type CutoffRule = (language: string, score: number, id: string) => CutoffOutcome;

export function createCutoffRule(file: CutoffsFile, options: CutoffRuleOptions): CutoffRule {
  if (file.direction !== options.direction) throw new Error(`cut-offs computed for ${file.direction} applied as ${options.direction}`);
  const cutoffs = new Map(Object.entries(file.cutoffs));
  const share = removedShare(options.direction, file.percentile);
  const sign = options.direction === 'drop_high' ? 1 : -1;
  return (language, score, id) => {
    const cutoff = cutoffs.get(language);
    if (cutoff !== undefined) {
      if (sign * (score - cutoff) > 0) return { remove: true, why: 'beyond_cutoff', cutoff };
      const tieShare = file.tie_shares[language];
      if (score === cutoff && tieShare !== undefined && idUniform(id, `${options.salt}/tie`) < tieShare) return { remove: true, why: 'tie_at_cutoff', cutoff };
      return { remove: false, cutoff };
    }
    switch (options.otherLanguages) {
      case 'keep':
        return { remove: false };
      case 'drop':
        return { remove: true, why: 'language_without_cutoff' };
      case 'random':
        return idUniform(id, options.salt) < share ? { remove: true, why: 'random_drop_other_language' } : { remove: false };
    }
  };
}

/**
 * A number in [0, 1) that depends only on `salt` and `id`: FNV-1a over the UTF-16 code units,
 * then murmur3's finaliser so that ids differing in one character spread over the whole range.
 */
export function idUniform(id: string, salt: string): number {
  let hash = 0x811c9dc5;
  const key = `${salt}\u0000${id}`;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 4294967296;
}
