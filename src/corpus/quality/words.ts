/**
 * Word segmentation for the quality filters, in every language.
 *
 * datatrove measures documents in the tokens of a word tokenizer (NLTK or spaCy): words, and
 * punctuation split off as tokens of their own (`end` `.`), which count in the denominators of
 * Gopher's ratios. We give the same shape of output:
 * - scripts written with spaces (Latin, Cyrillic, Greek, Arabic, Devanagari, Hangul ...): one
 *   scan over a character-class table. A word is a run of letters, marks and digits, joined
 *   across `'` `’` `.` `-` `_` `·` and digit-group commas (`don't`, `U.S`, `3.14`, `e-mail`,
 *   `1,000`); any other non-space character is a punctuation token, a run of the same character
 *   being one (`...`, `!!!`).
 * - scripts written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar): each run
 *   of them goes to `Intl.Segmenter` (ICU's dictionaries); word-like segments become words.
 * Why not Intl.Segmenter everywhere: on UDHR text it runs at ~1 MB/s, this scan at ~100 MB/s,
 * and for spaced scripts both give the same words up to the joiners above (ICU splits `e-mail`;
 * NLTK and we do not). Only the runs that need a dictionary pay for one.
 */
import { classAt, COMMA, isJoiner, LETTER, MARK, NO_SPACE, NUMBER, SPACE, widthAt } from './chars.js';
import { documentLanguage, type Language } from './language.js';

export interface Words {
  /** Every token in text order: words and punctuation/symbol tokens. */
  tokens: string[];
  /** True where tokens[i] is a word (letters, marks or digits), false for punctuation/symbols. */
  isWord: boolean[];
  /** True where tokens[i] has a letter of any script (Python's `any(c.isalpha() ...)`). */
  hasLetter: boolean[];
  /** Offset of each token in the text (UTF-16 code units), ascending. */
  starts: number[];
  /** Number of word tokens. */
  wordCount: number;
}

const segmenters = new Map<string, Intl.Segmenter>();

/** One Intl.Segmenter per language tag: building one loads ICU data. */
export function segmenterFor(tag: string): Intl.Segmenter {
  let segmenter = segmenters.get(tag);
  if (segmenter === undefined) {
    segmenter = new Intl.Segmenter(tag === 'und' ? undefined : tag, { granularity: 'word' });
    segmenters.set(tag, segmenter);
  }
  return segmenter;
}

function isWordClass(cls: number): boolean {
  return cls === LETTER || cls === NUMBER || cls === MARK;
}

/** Splits `text` into words and punctuation tokens (see the file comment). Linear in the text. */
export function segmentWords(text: string, language: Language): Words {
  const words = emptyWords();
  const n = text.length;
  let i = 0;
  while (i < n) {
    const cls = classAt(text, i);
    if (cls === SPACE) {
      i += 1;
    } else if (cls === NO_SPACE) {
      let end = i + widthAt(text, i);
      while (end < n && classAt(text, end) === NO_SPACE) end += widthAt(text, end);
      segmentRun(text.slice(i, end), i, language.tag, words);
      i = end;
    } else if (isWordClass(cls)) {
      i = scanWord(text, i, cls, words);
    } else {
      // A run of one repeated punctuation character or symbol (`...`), one token.
      const width = widthAt(text, i);
      const high = text.charCodeAt(i);
      const low = text.charCodeAt(i + 1);
      let end = i + width;
      while (end + width <= n && text.charCodeAt(end) === high && (width === 1 || text.charCodeAt(end + 1) === low)) {
        end += width;
      }
      push(words, text.slice(i, end), i, false, false);
      i = end;
    }
  }
  return words;
}

/** Scans the word starting at `start`; returns where it ends. */
function scanWord(text: string, start: number, first: number, words: Words): number {
  const n = text.length;
  let letter = first === LETTER;
  let end = start + widthAt(text, start);
  while (end < n) {
    const cls = classAt(text, end);
    if (isWordClass(cls)) {
      letter ||= cls === LETTER;
      end += widthAt(text, end);
      continue;
    }
    // A joiner continues the word only between two word characters; a comma only before a digit.
    const code = text.charCodeAt(end);
    if (end + 1 < n && (isJoiner(code) || code === COMMA)) {
      const next = classAt(text, end + 1);
      if (code === COMMA ? next === NUMBER : isWordClass(next)) {
        end += 1;
        continue;
      }
    }
    break;
  }
  push(words, text.slice(start, end), start, true, letter);
  return end;
}

const LETTER_CHARS = /\p{L}/u;

function segmentRun(run: string, offset: number, tag: string, words: Words): void {
  for (const s of segmenterFor(tag).segment(run)) {
    const isWord = s.isWordLike === true;
    if (!isWord && classAt(s.segment, 0) === SPACE) continue;
    push(words, s.segment, offset + s.index, isWord, LETTER_CHARS.test(s.segment));
  }
}

/** An empty Words, to fill with `appendWords`. */
export function emptyWords(): Words {
  return { tokens: [], isWord: [], hasLetter: [], starts: [], wordCount: 0 };
}

/** Appends the tokens of `from` that start in [start, end) to `into`, their offsets moved by `shift`. */
export function appendWords(into: Words, from: Words, start: number, end: number, shift: number): void {
  for (let i = firstTokenAt(from, start); i < from.starts.length && from.starts[i]! < end; i++) {
    push(into, from.tokens[i]!, from.starts[i]! + shift, from.isWord[i]!, from.hasLetter[i]!);
  }
}

/** The index of the first token starting at or after `offset`, searching from index `from` on. */
export function firstTokenAt(words: Words, offset: number, from = 0): number {
  let lo = from;
  let hi = words.starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (words.starts[mid]! < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function push(words: Words, token: string, start: number, isWord: boolean, hasLetter: boolean): void {
  words.tokens.push(token);
  words.isWord.push(isWord);
  words.hasLetter.push(hasLetter);
  words.starts.push(start);
  if (isWord) words.wordCount++;
}

interface Cached {
  text: string;
  tag: string;
  words: Words;
}

// The four filters usually run back to back on the same document: segment it once. Keyed by the
// document object (so nothing outlives it) and checked against the text and language, so a step
// that rewrites the text (c4_quality) or relabels the language gets a fresh segmentation.
const cache = new WeakMap<object, Cached>();

/** The words of a document's text in its language (`metadata.language`, default English). */
export function documentWords(doc: { text: string; metadata: Record<string, unknown> }): Words {
  const language = documentLanguage(doc.metadata);
  const hit = cache.get(doc);
  if (hit !== undefined && hit.text === doc.text && hit.tag === language.tag) return hit.words;
  const words = segmentWords(doc.text, language);
  cache.set(doc, { text: doc.text, tag: language.tag, words });
  return words;
}

/**
 * Records the words of a document's current text, for a step that rewrote the text and already
 * knows them (c4_quality keeps whole lines, whose words do not change), so the next filter need
 * not segment it again.
 */
export function rememberWords(doc: { text: string; metadata: Record<string, unknown> }, words: Words): void {
  cache.set(doc, { text: doc.text, tag: documentLanguage(doc.metadata).tag, words });
}
