import { z } from 'zod';
import type { Document } from '../document.js';
import { duplicateNGramChars, firstNGramChars, internWords, topNGram } from '../quality/ngrams.js';
import { active, threshold } from '../quality/options.js';
import { findDuplicates } from '../quality/text.js';
import { documentWords } from '../quality/words.js';
import { KEEP, remove, type Step, type Verdict } from '../step.js';

/** [n, maximum fraction of the document's characters]. */
const nGramThresholds = z.array(z.tuple([z.number().int().min(1), z.number().min(0)]));

/** Gopher's repetition thresholds (Rae et al. 2021, Table A1), at datatrove's defaults. */
export const gopherRepetitionOptions = {
  /** Lines (split on runs of \n) that repeat an earlier line, as a fraction of lines. */
  dup_line_frac: threshold(0.3),
  /** Paragraphs (split on \n\n+) that repeat an earlier one, as a fraction of paragraphs. */
  dup_para_frac: threshold(0.3),
  /** Characters in repeated lines, as a fraction of the document's characters. */
  dup_line_char_frac: threshold(0.2),
  dup_para_char_frac: threshold(0.2),
  /** Characters covered by the most frequent n-gram (all its occurrences). */
  top_n_grams: nGramThresholds.default([
    [2, 0.2],
    [3, 0.18],
    [4, 0.16],
  ]),
  /** Characters in n-grams that repeat an earlier n-gram. */
  dup_n_grams: nGramThresholds.default([
    [5, 0.15],
    [6, 0.14],
    [7, 0.13],
    [8, 0.12],
    [9, 0.11],
    [10, 0.1],
  ]),
};

export type GopherRepetitionOptions = z.input<z.ZodObject<typeof gopherRepetitionOptions>>;
type Thresholds = z.output<z.ZodObject<typeof gopherRepetitionOptions>>;

const PARAGRAPH_BREAK = /\n{2,}/;
const LINE_BREAK = /\n+/;

/**
 * Gopher's repetition rules (datatrove's GopherRepetitionFilter): repeated paragraphs and lines,
 * the most frequent 2-4-gram, repeated 5-10-grams, over words segmented in the document's
 * language. Reasons are datatrove's, prefixed: `gopher_repetition_dup_para_frac`,
 * `gopher_repetition_top_2_gram`, `gopher_repetition_duplicated_5_n_grams` ...; a document with
 * no text is `gopher_repetition_empty` (its ratios have no denominator).
 */
export function createGopherRepetitionStep(options: GopherRepetitionOptions & { name?: string } = {}): Step {
  const { name, ...rest } = options;
  const t = z.object(gopherRepetitionOptions).parse(rest);
  return {
    kind: 'gopher_repetition',
    name: name ?? 'gopher_repetition',
    apply(doc: Document): Verdict {
      const trimmed = doc.text.trim();
      if (trimmed.length === 0) return remove('gopher_repetition_empty');
      return judgeBlocks(doc.text, trimmed, t) ?? judgeNGrams(doc, t) ?? KEEP;
    },
  };
}

function fraction(part: number, whole: number): string {
  return `${(part / whole).toFixed(3)}`;
}

function judgeBlocks(text: string, trimmed: string, t: Thresholds): Verdict | undefined {
  const paragraphs = trimmed.split(PARAGRAPH_BREAK);
  const [dupParagraphs, dupParagraphChars] = findDuplicates(paragraphs);
  if (active(t.dup_para_frac) && dupParagraphs / paragraphs.length > t.dup_para_frac) {
    return remove('gopher_repetition_dup_para_frac', fraction(dupParagraphs, paragraphs.length));
  }
  if (active(t.dup_para_char_frac) && dupParagraphChars / text.length > t.dup_para_char_frac) {
    return remove('gopher_repetition_dup_para_char_frac', fraction(dupParagraphChars, text.length));
  }
  // datatrove splits lines on the untrimmed text, so a leading or trailing "" counts as a line.
  const lines = text.split(LINE_BREAK);
  const [dupLines, dupLineChars] = findDuplicates(lines);
  if (active(t.dup_line_frac) && dupLines / lines.length > t.dup_line_frac) {
    return remove('gopher_repetition_dup_line_frac', fraction(dupLines, lines.length));
  }
  if (active(t.dup_line_char_frac) && dupLineChars / text.length > t.dup_line_char_frac) {
    return remove('gopher_repetition_dup_line_char_frac', fraction(dupLineChars, text.length));
  }
  return undefined;
}

function judgeNGrams(doc: Document, t: Thresholds): Verdict | undefined {
  // Every token counts, punctuation included, as with datatrove's word tokenizers.
  const words = internWords(documentWords(doc).tokens);
  const length = doc.text.length;
  // Once all k-grams are distinct, so are all longer n-grams: their counts need no table.
  let distinctFrom = Infinity;
  for (const [n, limit] of t.top_n_grams) {
    if (words.ids.length < n) continue;
    let chars: number;
    if (n >= distinctFrom) {
      chars = firstNGramChars(words, n);
    } else {
      const top = topNGram(words, n);
      chars = top.chars;
      if (top.count === 1) distinctFrom = n;
    }
    if (chars / length > limit) return remove(`gopher_repetition_top_${n}_gram`, fraction(chars, length));
  }
  for (const [n, limit] of t.dup_n_grams) {
    if (n >= distinctFrom) continue;
    const chars = duplicateNGramChars(words, n);
    if (chars === 0) distinctFrom = n;
    if (chars / length > limit) return remove(`gopher_repetition_duplicated_${n}_n_grams`, fraction(chars, length));
  }
  return undefined;
}
