/**
 * Text statistics shared by the quality filters: lines as Python splits them, duplicate counts,
 * terminal punctuation in every script, sentence counts.
 */

/** Python's `str.splitlines()` boundaries: \n \r \r\n \v \f \x1c-\x1e \x85 U+2028 U+2029. */
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;

/** Lines as Python's `str.splitlines()` gives them: no trailing empty line, none for "". */
export function splitLines(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.split(LINE_BREAK);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Where each line of `splitLines(text)` starts and ends in the text, as [start, end) pairs, so
 * that a caller can map the document's words (which never cross a line break) onto lines.
 */
export function* lineSpans(text: string): Generator<[number, number]> {
  const breaks = new RegExp(LINE_BREAK.source, 'g');
  let start = 0;
  for (let m = breaks.exec(text); m !== null; m = breaks.exec(text)) {
    yield [start, m.index];
    start = m.index + m[0].length;
  }
  if (start < text.length) yield [start, text.length];
}

/** Non-overlapping occurrences of `needle` (Python's `str.count`). */
export function countOccurrences(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) count++;
  return count;
}

/**
 * Gopher's `find_duplicates`: how many elements repeat an earlier one, and their total length.
 * Returns [duplicate elements, duplicate characters].
 */
export function findDuplicates(elements: readonly string[]): [number, number] {
  const seen = new Set<string>();
  let count = 0;
  let chars = 0;
  for (const element of elements) {
    if (seen.has(element)) {
      count++;
      chars += element.length;
    } else {
      seen.add(element);
    }
  }
  return [count, chars];
}

/**
 * A line "ends in terminal punctuation": datatrove's `. ! ? " '` made multilingual. Any Unicode
 * Sentence_Terminal character (`。！？` `؟` `۔` Devanagari `।` `॥`, Armenian, Ethiopic, Myanmar
 * full stops ...) or a closing quote (`"` `'` as datatrove, and `” ’ » › 」 』`).
 */
const TERMINAL_END = /[\p{Sentence_Terminal}"'”’»›」』]$/u;

export function endsWithTerminalPunctuation(line: string): boolean {
  return TERMINAL_END.test(line);
}

/**
 * Languages whose writing marks the end of a sentence with a space, not a full stop (Thai, Lao):
 * rules that ask lines to end in punctuation do not apply to them.
 */
export const WITHOUT_SENTENCE_PUNCTUATION: ReadonlySet<string> = new Set(['th', 'lo']);

/**
 * Sentence ends: a run of Sentence_Terminal characters, with closing quotes or brackets after
 * it, followed by whitespace or the end of the text. Ideographic and full-width stops (`。！？`)
 * end a sentence wherever they stand, as those scripts put no space after them.
 * Linear on hostile input (`.` x 100,000 then `x`): a match starts only at the start of a run
 * (the lookbehind), and the run is taken whole, never given back (`(?=(...))\1`, an atomic group).
 */
const SENTENCE_END =
  /(?<!\p{Sentence_Terminal})(?=(\p{Sentence_Terminal}+))\1["'”’»›」』)\]）]*(?=\s|$)|[。！？｡]+[」』）]*/gu;

/**
 * How many sentences a piece of text has (what C4 counts with NLTK's punkt): its sentence ends,
 * plus one for a trailing sentence without one. Abbreviations (`e.g. the`) count as ends here,
 * where punkt knows better; C4 only asks for at least five.
 */
export function countSentences(text: string): number {
  let count = 0;
  let lastEnd = 0;
  SENTENCE_END.lastIndex = 0;
  for (let m = SENTENCE_END.exec(text); m !== null; m = SENTENCE_END.exec(text)) {
    count++;
    lastEnd = m.index + m[0].length;
  }
  if (text.slice(lastEnd).trim().length > 0) count++;
  return count;
}

/** Splits text into sentences at the same ends `countSentences` counts; each trimmed, none empty. */
export function splitSentences(text: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  SENTENCE_END.lastIndex = 0;
  for (let m = SENTENCE_END.exec(text); m !== null; m = SENTENCE_END.exec(text)) {
    const end = m.index + m[0].length;
    sentences.push(text.slice(start, end).trim());
    start = end;
  }
  sentences.push(text.slice(start).trim());
  return sentences.filter((s) => s.length > 0);
}
