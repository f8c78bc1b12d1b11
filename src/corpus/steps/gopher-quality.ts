import { z } from 'zod';
import type { Document } from '../document.js';
import { documentLanguage, resolveLanguage } from '../quality/language.js';
import { active, languageOverrides, threshold, thresholdsByLanguage } from '../quality/options.js';
import { builtInStopWords } from '../quality/stopwords.js';
import { countOccurrences, splitLines } from '../quality/text.js';
import { documentWords, type Words } from '../quality/words.js';
import { KEEP, remove, type ExtraCounters, type Step, type Verdict } from '../step.js';

/** Gopher's quality thresholds (Rae et al. 2021, Table A1), at datatrove's defaults. */
const thresholds = {
  min_doc_words: threshold(50),
  max_doc_words: threshold(100_000),
  min_avg_word_length: threshold(3),
  max_avg_word_length: threshold(10),
  /** `#` per word and `...`/`…` per word, each. */
  max_symbol_word_ratio: threshold(0.1),
  /** Lines starting with `•` or `-`. */
  max_bullet_lines_ratio: threshold(0.9),
  /** Lines ending with `...` or `…`. */
  max_ellipsis_lines_ratio: threshold(0.3),
  /** datatrove's name; the rule asks that at least this fraction of words contain a letter. */
  max_non_alpha_words_ratio: threshold(0.8),
  min_stop_words: threshold(2),
};

/**
 * Scripts without spaces have short words by nature (UDHR text: Chinese 1.7, Japanese 1.8,
 * Korean 2.9 characters a word, against 4.4-6.4 for spaced scripts), so Gopher's 3-character
 * minimum would remove every document in them. These defaults lower it for those languages only.
 */
export const DEFAULT_GOPHER_LANGUAGE_THRESHOLDS: Record<string, { min_avg_word_length: number }> = {
  zh: { min_avg_word_length: 1 },
  yue: { min_avg_word_length: 1 },
  wuu: { min_avg_word_length: 1 },
  lzh: { min_avg_word_length: 1 },
  ja: { min_avg_word_length: 1 },
  ko: { min_avg_word_length: 2 },
};

export const gopherQualityOptions = {
  ...thresholds,
  /**
   * Stop words: a list for every language (datatrove's `stop_words`), or lists per language
   * label; languages not given keep the built-in list (English: datatrove's eight words, others:
   * stopwords-iso). A language without any list skips the rule (counter
   * `gopher_stop_words_unavailable`).
   */
  stop_words: z.union([z.array(z.string()), z.record(z.string(), z.array(z.string()))]).optional(),
  language_thresholds: languageOverrides(thresholds).default(DEFAULT_GOPHER_LANGUAGE_THRESHOLDS),
};

export type GopherQualityOptions = z.input<z.ZodObject<typeof gopherQualityOptions>>;
type Thresholds = z.output<z.ZodObject<typeof thresholds>>;

/**
 * Gopher's quality rules (datatrove's GopherQualityFilter) in every language: words come from
 * `quality/words.ts` in the document's language, stop words from that language's list. Each rule
 * that fires is its own removal reason, with datatrove's names (`gopher_short_doc` ...).
 */
export function createGopherQualityStep(options: GopherQualityOptions & { name?: string } = {}): Step {
  const { name, ...rest } = options;
  const parsed = z.object(gopherQualityOptions).parse(rest);
  const { stop_words, language_thresholds, ...base } = parsed;
  const thresholdsFor = thresholdsByLanguage<Thresholds>(base, language_thresholds);
  const stopWordsFor = stopWordLookup(stop_words);

  return {
    kind: 'gopher_quality',
    name: name ?? 'gopher_quality',
    apply(doc: Document, extra: ExtraCounters): Verdict {
      const primary = documentLanguage(doc.metadata).primary;
      const stopWords = stopWordsFor(primary);
      if (stopWords === undefined && active(thresholdsFor(primary).min_stop_words)) {
        extra.gopher_stop_words_unavailable = (extra.gopher_stop_words_unavailable ?? 0) + 1;
      }
      return judge(doc.text, documentWords(doc), thresholdsFor(primary), stopWords);
    },
  };
}

function stopWordLookup(option: string[] | Record<string, string[]> | undefined) {
  if (Array.isArray(option)) {
    const everywhere = new Set(option);
    return (): ReadonlySet<string> => everywhere;
  }
  const given = new Map(Object.entries(option ?? {}).map(([label, list]) => [resolveLanguage(label).primary, new Set(list)]));
  return (primary: string): ReadonlySet<string> | undefined => given.get(primary) ?? builtInStopWords(primary);
}

/** The rules in datatrove's order; the first that fires decides. */
function judge(text: string, words: Words, t: Thresholds, stopWords: ReadonlySet<string> | undefined): Verdict {
  const tokens = words.tokens.length;
  // datatrove counts words without punctuation for length and size, but every token (words and
  // punctuation) in the denominators of the ratios below.
  const n = words.wordCount;
  if (tokens === 0 || (active(t.min_doc_words) && n < t.min_doc_words)) {
    return remove('gopher_short_doc', `${n} words`);
  }
  if (active(t.max_doc_words) && n > t.max_doc_words) return remove('gopher_long_doc', `${n} words`);

  let wordChars = 0;
  let withLetter = 0;
  for (let i = 0; i < tokens; i++) {
    if (words.isWord[i]) wordChars += words.tokens[i]!.length;
    if (words.hasLetter[i]) withLetter++;
  }
  const average = n === 0 ? 0 : wordChars / n;
  if (n > 0 && active(t.min_avg_word_length) && average < t.min_avg_word_length) {
    return remove('gopher_below_avg_threshold', `mean word length ${average.toFixed(2)}`);
  }
  if (n > 0 && active(t.max_avg_word_length) && average > t.max_avg_word_length) {
    return remove('gopher_above_avg_threshold', `mean word length ${average.toFixed(2)}`);
  }

  if (active(t.max_symbol_word_ratio)) {
    const hashes = countOccurrences(text, '#') / tokens;
    if (hashes > t.max_symbol_word_ratio) return remove('gopher_too_many_hashes', `${hashes.toFixed(3)} per word`);
    const ellipses = (countOccurrences(text, '...') + countOccurrences(text, '…')) / tokens;
    if (ellipses > t.max_symbol_word_ratio) {
      return remove('gopher_too_many_ellipsis', `${ellipses.toFixed(3)} per word`);
    }
  }

  const lineVerdict = judgeLines(splitLines(text), t);
  if (lineVerdict !== undefined) return lineVerdict;

  const alphaRatio = withLetter / tokens;
  if (active(t.max_non_alpha_words_ratio) && alphaRatio < t.max_non_alpha_words_ratio) {
    return remove('gopher_below_alpha_threshold', `${alphaRatio.toFixed(3)} of words with a letter`);
  }

  if (active(t.min_stop_words) && stopWords !== undefined) {
    let found = 0;
    for (let i = 0; i < tokens && found < t.min_stop_words; i++) if (stopWords.has(words.tokens[i]!)) found++;
    if (found < t.min_stop_words) return remove('gopher_enough_stop_words', `${found} stop words`);
  }
  return KEEP;
}

function judgeLines(lines: string[], t: Thresholds): Verdict | undefined {
  if (lines.length === 0) return undefined;
  if (active(t.max_bullet_lines_ratio)) {
    let bullets = 0;
    for (const line of lines) {
      const start = line.trimStart();
      if (start.startsWith('•') || start.startsWith('-')) bullets++;
    }
    const ratio = bullets / lines.length;
    if (ratio > t.max_bullet_lines_ratio) return remove('gopher_too_many_bullets', `${ratio.toFixed(3)} of lines`);
  }
  if (active(t.max_ellipsis_lines_ratio)) {
    let ellipses = 0;
    for (const line of lines) {
      const end = line.trimEnd();
      if (end.endsWith('...') || end.endsWith('…')) ellipses++;
    }
    const ratio = ellipses / lines.length;
    if (ratio > t.max_ellipsis_lines_ratio) {
      return remove('gopher_too_many_end_ellipsis', `${ratio.toFixed(3)} of lines`);
    }
  }
  return undefined;
}
