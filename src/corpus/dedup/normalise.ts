/**
 * Text normalisation before hashing (datatrove's `simplify_text` with the MinHash defaults), so
 * that copies differing only in case, accents, numbers, punctuation or spacing hash alike:
 * lower-case; accents stripped (NFD, then non-spacing marks dropped); every number -> `0`
 * (`1,000.5` is one number); punctuation, symbols and control characters -> space; characters of
 * scripts written without spaces (Han, kana, Thai ...) become one-character words; whitespace
 * collapsed to one ASCII space; trimmed.
 *
 * The character classes are the Unicode-property regexes below; a chain of regex replaces over
 * every document measured ~100 us per 1,300-character document, so they are compiled once into a
 * table over the 65,536 UTF-16 code units (~20 ms per thread) and applied in one pass (~18 us). Lower-casing and NFD stay whole-string calls: native, and lower-casing depends on
 * context (Greek final sigma).
 */

/** Dropped without a trace: non-spacing and enclosing marks (accents after NFD), format characters. */
export const MARKS = /[\p{Mn}\p{Me}\p{Cf}]/u;
export const DIGIT = /\p{Nd}/u;
/** Scripts without spaces between words: each character is a word (see README). */
export const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Bopomofo}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
export const SEPARATOR = /[\p{P}\p{S}\p{Z}\p{Cc}\s]/u;

// What a code unit of the NFD text is.
const LETTER = 0, SEPARATE = 1, DROP = 2, DIGIT_KIND = 3, WORD_ALONE = 4, SURROGATE = 5;
const SPACE = 0x20, ZERO = 0x30, DOT = 0x2e, COMMA = 0x2c;

function kindOf(ch: string): number {
  if (MARKS.test(ch)) return DROP;
  if (DIGIT.test(ch)) return DIGIT_KIND;
  if (UNSPACED.test(ch)) return WORD_ALONE;
  if (SEPARATOR.test(ch)) return SEPARATE;
  return LETTER;
}

let KIND: Uint8Array | undefined;
/** Kinds of characters outside the BMP, classified when first met. */
const ASTRAL = new Map<number, number>();

function buildTable(): Uint8Array {
  const kind = new Uint8Array(65536);
  for (let c = 0; c < 65536; c++) kind[c] = c >= 0xd800 && c <= 0xdfff ? SURROGATE : kindOf(String.fromCharCode(c));
  return kind;
}

function astralKind(code: number): number {
  let kind = ASTRAL.get(code);
  if (kind === undefined) ASTRAL.set(code, (kind = kindOf(String.fromCodePoint(code))));
  return kind;
}

/** Whether the first character from i that is not dropped is a digit (marks vanish before numbers are matched). */
function digitFollows(s: string, i: number, table: Uint8Array): boolean {
  while (i < s.length && table[s.charCodeAt(i)] === DROP) i++;
  const kind = table[s.charCodeAt(i)];
  return kind === DIGIT_KIND || (kind === SURROGATE && astralKind(s.codePointAt(i)!) === DIGIT_KIND);
}

let out = new Uint16Array(1 << 12);
const decoder = new TextDecoder('utf-16le');

/**
 * The normalised text: words separated by exactly one ASCII space, none at either end (the
 * shingler relies on it).
 */
export function normaliseText(text: string): string {
  const table = (KIND ??= buildTable());
  const s = text.toLowerCase().normalize('NFD');
  // Each code unit yields at most a space and itself.
  if (out.length < 2 * s.length + 2) out = new Uint16Array(2 * s.length + 2);
  const o = out;
  let n = 0;
  let pending = false; // a separator was seen since the last word character
  let inNumber = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let kind = table[c]!;
    if (kind === LETTER) {
      // The common case first (measured 2x faster than through the general branches below).
      if (pending) o[n++] = SPACE;
      o[n++] = c;
      pending = inNumber = false;
      continue;
    }
    let width = 1;
    if (kind === SURROGATE) {
      const code = s.codePointAt(i)!;
      // A lone surrogate is kept as a letter (the UTF-8 encoder turns it into U+FFFD).
      kind = code > 0xffff ? astralKind(code) : LETTER;
      width = code > 0xffff ? 2 : 1;
    }
    if (kind === LETTER || kind === WORD_ALONE) {
      if (pending || (kind === WORD_ALONE && n > 0)) o[n++] = SPACE;
      o[n++] = c;
      if (width === 2) o[n++] = s.charCodeAt(++i);
      pending = kind === WORD_ALONE;
      inNumber = false;
    } else if (kind === SEPARATE) {
      // `1,000.5` is one number: a separator between digits is skipped.
      if (inNumber && (c === DOT || c === COMMA) && digitFollows(s, i + 1, table)) continue;
      pending = n > 0;
      inNumber = false;
      i += width - 1;
    } else {
      if (kind === DIGIT_KIND && !inNumber) {
        if (pending) o[n++] = SPACE;
        o[n++] = ZERO;
        pending = false;
        inNumber = true;
      }
      i += width - 1; // DROP, or a digit inside a number
    }
  }
  return decoder.decode(o.subarray(0, n));
}

/** Lower-case and collapse whitespace only (exact dedup's `whitespace` mode). */
export function normaliseWhitespace(text: string): string {
  return text.toLowerCase().replace(/\s+/gu, ' ').trim();
}
