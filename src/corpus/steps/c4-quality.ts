import { z } from 'zod';
import type { Document } from '../document.js';
import { documentLanguage, type Language } from '../quality/language.js';
import { policyPhrasesFor } from '../quality/policy.js';
import {
  countSentences,
  endsWithTerminalPunctuation,
  lineSpans,
  splitSentences,
  WITHOUT_SENTENCE_PUNCTUATION,
} from '../quality/text.js';
import {
  appendWords,
  documentWords,
  emptyWords,
  firstTokenAt,
  rememberWords,
  segmentWords,
  type Words,
} from '../quality/words.js';
import { KEEP, KEEP_MODIFIED, remove, type ExtraCounters, type Step, type Verdict } from '../step.js';

/** C4's rules (Raffel et al. 2020 and the tfds c4_utils code) at datatrove's defaults; -1 turns a number off. */
export const c4QualityOptions = {
  /** Judge lines (C4); false: judge sentences and join the kept ones with spaces. */
  split_paragraph: z.boolean().default(true),
  /** Remove Wikipedia citation marks (`[1]`, `[edit]`, `[citation needed]`) before judging. */
  remove_citations: z.boolean().default(true),
  /** Drop lines that do not end in terminal punctuation (any script's full stop, or a quote; not for Thai and Lao). */
  filter_no_terminal_punct: z.boolean().default(true),
  /** Remove documents with fewer sentences than this in the lines kept. */
  min_num_sentences: z.number().int().default(5),
  /** Drop lines with fewer words than this. */
  min_words_per_line: z.number().int().default(3),
  /** Drop lines with a word longer than this (characters). */
  max_word_length: z.number().int().default(1000),
  /** Remove documents with "lorem ipsum" in a kept line. */
  filter_lorem_ipsum: z.boolean().default(true),
  /** Drop lines mentioning "javascript". */
  filter_javascript: z.boolean().default(true),
  /** Remove documents with `{` in a kept line (code). */
  filter_curly_bracket: z.boolean().default(true),
  /** Drop lines with cookie / privacy-policy / terms-of-use phrases (English + the document's language). */
  filter_policy: z.boolean().default(true),
  /** Replaces the built-in policy phrases (lower case) for every language. */
  policy_substrings: z.array(z.string()).optional(),
};

export type C4QualityOptions = z.input<z.ZodObject<typeof c4QualityOptions>>;
type Settings = z.output<z.ZodObject<typeof c4QualityOptions>>;

const CITATION = /\[\d*]|\[edit]|\[citation needed]/g;

/** What happens to one line: kept (cleaned), dropped (counted as `c4_line_<reason>`), or the whole document goes. */
type LineJudgement =
  | { kind: 'keep'; line: string; changed: boolean }
  | { kind: 'drop'; reason: 'too_long_word' | 'no_terminal_punct' | 'too_few_words' | 'javascript' | 'policy' }
  | { kind: 'remove'; verdict: Verdict };

/** A line (or sentence) with its word count; `start` is where it begins in the text, -1 if unknown. */
interface Unit {
  text: string;
  start: number;
  words: number;
  longestWord: number;
}

/** A kept line, cleaned; `start` is where it stood unchanged in the old text, -1 if it changed. */
interface Kept {
  line: string;
  start: number;
}

/**
 * C4's quality rules (datatrove's C4QualityFilter). Unlike the other filters it rewrites the text:
 * it drops lines (counted as `c4_line_too_long_word`, `c4_line_no_terminal_punct`,
 * `c4_line_too_few_words`, `c4_line_javascript`, `c4_line_policy`) and returns KEEP_MODIFIED when
 * the text changed. Whole documents go for `c4_lorem_ipsum`, `c4_curly_bracket` and
 * `c4_too_few_sentences`. Words per line are counted in the document's language.
 */
export function createC4QualityStep(options: C4QualityOptions & { name?: string } = {}): Step {
  const { name, ...rest } = options;
  const settings = z.object(c4QualityOptions).parse(rest);
  return {
    kind: 'c4_quality',
    name: name ?? 'c4_quality',
    apply(doc: Document, extra: ExtraCounters): Verdict {
      const language = documentLanguage(doc.metadata);
      const phrases = settings.policy_substrings ?? policyPhrasesFor(language.primary);
      const needsPunctuation = settings.filter_no_terminal_punct && !WITHOUT_SENTENCE_PUNCTUATION.has(language.primary);
      const words = settings.split_paragraph ? documentWords(doc) : undefined;
      const units = words ? lineUnits(doc.text, words) : sentenceUnits(doc.text, language);
      const kept: Kept[] = [];
      let sentences = 0;
      for (const unit of units) {
        const judgement = judgeLine(unit, settings, needsPunctuation, phrases);
        if (judgement.kind === 'remove') return judgement.verdict;
        if (judgement.kind === 'drop') {
          const counter = `c4_line_${judgement.reason}`;
          extra[counter] = (extra[counter] ?? 0) + 1;
          continue;
        }
        sentences += settings.split_paragraph ? countSentences(judgement.line) : 1;
        const leading = unit.text.length - unit.text.trimStart().length;
        kept.push({ line: judgement.line, start: unit.start < 0 || judgement.changed ? -1 : unit.start + leading });
      }
      if (sentences < settings.min_num_sentences) return remove('c4_too_few_sentences', `${sentences} sentences`);
      const text = kept.map((k) => k.line).join(settings.split_paragraph ? '\n' : ' ').trim();
      if (text === doc.text) return KEEP;
      doc.text = text;
      const moved = words && movedWords(kept, words, text.length);
      if (moved) rememberWords(doc, moved);
      return KEEP_MODIFIED;
    },
  };
}

/** Word count and longest word among the tokens from index `first` that start before `to`; `next`: the first token after. */
function wordStats(words: Words, first: number, to: number): { words: number; longestWord: number; next: number } {
  let count = 0;
  let longest = 0;
  let i = first;
  for (; i < words.starts.length && words.starts[i]! < to; i++) {
    if (!words.isWord[i]) continue;
    count++;
    longest = Math.max(longest, words.tokens[i]!.length);
  }
  return { words: count, longestWord: longest, next: i };
}

/** The lines with their word counts, from the document's (cached) words: no token crosses a line break. */
function* lineUnits(text: string, words: Words): Generator<Unit> {
  let token = 0;
  for (const [start, end] of lineSpans(text)) {
    token = firstTokenAt(words, start, token);
    const stats = wordStats(words, token, end);
    token = stats.next;
    yield { text: text.slice(start, end), start, words: stats.words, longestWord: stats.longestWord };
  }
}

function sentenceUnits(text: string, language: Language): Unit[] {
  return splitSentences(text).map((s) => {
    const { words, longestWord } = wordStats(segmentWords(s, language), 0, Infinity);
    return { text: s, start: -1, words, longestWord };
  });
}

/**
 * The words of the rewritten text, moved from the old text's: kept lines are whole old lines,
 * trimmed, joined by \n. Undefined when a line changed inside (citations removed).
 */
function movedWords(kept: Kept[], words: Words, length: number): Words | undefined {
  const moved = emptyWords();
  let offset = 0;
  for (const k of kept) {
    if (k.start < 0) return undefined;
    appendWords(moved, words, k.start, k.start + k.line.length, offset - k.start);
    offset += k.line.length + 1;
  }
  // The final trim() may only have removed nothing, else the offsets are off.
  return Math.max(offset - 1, 0) === length ? moved : undefined;
}

/** datatrove's order: long word, citations, terminal punctuation, word count, then the phrase rules. */
function judgeLine(unit: Unit, s: Settings, needsPunctuation: boolean, phrases: readonly string[]): LineJudgement {
  const trimmed = unit.text.trim();
  if (s.max_word_length !== -1 && unit.longestWord > s.max_word_length) return drop('too_long_word');
  const line = s.remove_citations ? trimmed.replace(CITATION, '') : trimmed;
  if (needsPunctuation && (!endsWithTerminalPunctuation(line) || line.endsWith('...'))) {
    return drop('no_terminal_punct');
  }
  if (unit.words < s.min_words_per_line) return drop('too_few_words');
  const lower = line.toLowerCase();
  if (s.filter_lorem_ipsum && lower.includes('lorem ipsum')) return { kind: 'remove', verdict: remove('c4_lorem_ipsum') };
  if (s.filter_javascript && lower.includes('javascript')) return drop('javascript');
  if (s.filter_curly_bracket && line.includes('{')) return { kind: 'remove', verdict: remove('c4_curly_bracket') };
  if (s.filter_policy && phrases.some((p) => lower.includes(p))) return drop('policy');
  return { kind: 'keep', line, changed: line !== trimmed };
}

function drop(reason: Extract<LineJudgement, { kind: 'drop' }>['reason']): LineJudgement {
  return { kind: 'drop', reason };
}
