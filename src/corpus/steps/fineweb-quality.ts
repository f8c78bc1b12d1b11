import { z } from 'zod';
import type { Document } from '../document.js';
import { documentLanguage } from '../quality/language.js';
import { languageOverrides, threshold, thresholdsByLanguage } from '../quality/options.js';
import { endsWithTerminalPunctuation, findDuplicates, WITHOUT_SENTENCE_PUNCTUATION } from '../quality/text.js';
import { documentWords } from '../quality/words.js';
import { KEEP, remove, type Step, type Verdict } from '../step.js';

/** FineWeb's own rules (Penedo et al. 2024), at the thresholds of R5. */
const thresholds = {
  /** Remove when fewer than this fraction of lines end in terminal punctuation. */
  line_punct_thr: threshold(0.12),
  /** Remove when more than this fraction of lines are short. */
  short_line_thr: threshold(0.67),
  /** A line of at most this many characters is short. */
  short_line_length: threshold(30),
  /**
   * Remove when repeated lines hold more than this fraction of the characters. The FineWeb paper's
   * text says 0.1; datatrove's code default (and the paper's appendix table) is 0.01.
   */
  char_duplicates_ratio: threshold(0.1),
  /** Remove when there are more newlines per word than this (lists, menus). */
  new_line_ratio: threshold(0.3),
};

/**
 * Per-language defaults. Lines are shorter where a character carries more (mean UDHR line: English
 * 115 characters, Chinese 31, Japanese 46, Korean 51), so the short-line length scales with it;
 * Thai and Lao end sentences with a space, so no line ends in punctuation.
 */
export const DEFAULT_FINEWEB_LANGUAGE_THRESHOLDS: Record<string, Partial<Record<keyof typeof thresholds, number | null>>> = {
  zh: { short_line_length: 8 },
  yue: { short_line_length: 8 },
  wuu: { short_line_length: 8 },
  lzh: { short_line_length: 8 },
  ja: { short_line_length: 12 },
  ko: { short_line_length: 13 },
  ...Object.fromEntries([...WITHOUT_SENTENCE_PUNCTUATION].map((l) => [l, { line_punct_thr: null }])),
};

export const finewebQualityOptions = {
  ...thresholds,
  /** Keep documents where no line at all ends in punctuation (datatrove's option, off by default). */
  line_punct_exclude_zero: z.boolean().default(false),
  /** Line endings that count as terminal punctuation; default: any script's full stop, or a quote. */
  stop_chars: z.array(z.string().min(1)).optional(),
  language_thresholds: languageOverrides(thresholds).default(DEFAULT_FINEWEB_LANGUAGE_THRESHOLDS),
};

export type FinewebQualityOptions = z.input<z.ZodObject<typeof finewebQualityOptions>>;
type Thresholds = z.output<z.ZodObject<typeof thresholds>>;

/**
 * FineWeb's quality rules (datatrove's FineWebQualityFilter, the version with multilingual
 * terminal punctuation): punctuated lines, short lines, characters in repeated lines, newlines
 * per word. Lines are the non-empty lines split on \n. Reasons: `fineweb_empty`,
 * `fineweb_line_punct_ratio`, `fineweb_short_line_ratio`, `fineweb_char_dup_ratio`,
 * `fineweb_list_ratio`.
 */
export function createFinewebQualityStep(options: FinewebQualityOptions & { name?: string } = {}): Step {
  const { name, ...rest } = options;
  const { line_punct_exclude_zero, stop_chars, language_thresholds, ...base } = z.object(finewebQualityOptions).parse(rest);
  const thresholdsFor = thresholdsByLanguage<Thresholds>(base, language_thresholds);
  const isPunctuated =
    stop_chars === undefined ? endsWithTerminalPunctuation : (line: string) => stop_chars.some((c) => line.endsWith(c));

  return {
    kind: 'fineweb_quality',
    name: name ?? 'fineweb_quality',
    apply(doc: Document): Verdict {
      const t = thresholdsFor(documentLanguage(doc.metadata).primary);
      const lines = doc.text.split('\n').filter((line) => line.trim().length > 0);
      if (lines.length === 0) return remove('fineweb_empty');

      // Trailing whitespace (a \r from CRLF text) does not hide a line's final punctuation.
      const punctuated = lines.filter((line) => isPunctuated(line.trimEnd())).length / lines.length;
      if (t.line_punct_thr !== null && punctuated < t.line_punct_thr && !(punctuated === 0 && line_punct_exclude_zero)) {
        return remove('fineweb_line_punct_ratio', punctuated.toFixed(3));
      }
      if (t.short_line_thr !== null && t.short_line_length !== null) {
        const limit = t.short_line_length;
        const short = lines.filter((line) => line.length <= limit).length / lines.length;
        if (short > t.short_line_thr) return remove('fineweb_short_line_ratio', short.toFixed(3));
      }
      if (t.char_duplicates_ratio !== null) {
        const chars = doc.text.length - countNewlines(doc.text);
        const duplicated = findDuplicates(lines)[1] / chars;
        if (duplicated > t.char_duplicates_ratio) return remove('fineweb_char_dup_ratio', duplicated.toFixed(3));
      }
      if (t.new_line_ratio !== null) {
        const tokens = documentWords(doc).tokens.length;
        const newlines = countNewlines(doc.text);
        const ratio = tokens === 0 ? (newlines > 0 ? Infinity : 0) : newlines / tokens;
        if (ratio > t.new_line_ratio) return remove('fineweb_list_ratio', ratio.toFixed(3));
      }
      return KEEP;
    },
  };
}

function countNewlines(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  return count;
}
