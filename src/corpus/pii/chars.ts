/**
 * Character classes for the hand-written scanners, on UTF-16 code units.
 * The scanners call these in their inner loops, so the ASCII cases are plain comparisons.
 */

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isAsciiLetter(c: number): boolean {
  const lower = c | 32;
  return lower >= 97 && lower <= 122;
}

export function isAsciiAlnum(c: number): boolean {
  return isDigit(c) || isAsciiLetter(c);
}

/** What `\w` means in an ASCII regex: letters, digits, underscore. */
export function isAsciiWord(c: number): boolean {
  return isAsciiAlnum(c) || c === 95;
}

export function isHexDigit(c: number): boolean {
  const lower = c | 32;
  return isDigit(c) || (lower >= 97 && lower <= 102);
}

export function isUpperAscii(c: number): boolean {
  return c >= 65 && c <= 90;
}

const WORD_CHAR = /^[\p{L}\p{M}\p{Nd}]$/u;
// Scripts written without spaces between words: an address glued to such text ("请联系john@x.com获取")
// must stop at the script change, so their letters never count as part of an address.
const SPACELESS_SCRIPT =
  /^[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}\p{sc=Tibetan}]$/u;

// 0 = not yet classified, 1 = yes, 2 = no; one byte per BMP code unit, filled lazily.
const intlCache = new Uint8Array(0x10000);

/**
 * A non-ASCII letter, mark or digit that may appear inside an internationalised address
 * (RFC 6531 local parts, IDN domain labels): Latin with accents, Greek, Cyrillic, Arabic, Hebrew...
 * Not letters of spaceless scripts, not fullwidth forms (they belong to CJK running text),
 * and not surrogates (addresses with astral characters are too rare to be worth the risk).
 */
export function isIntlLetter(c: number): boolean {
  if (c < 0x80 || (c >= 0xd800 && c <= 0xdfff) || (c >= 0xff00 && c <= 0xffef)) return false;
  let known = intlCache[c];
  if (known === 0) {
    const ch = String.fromCharCode(c);
    known = WORD_CHAR.test(ch) && !SPACELESS_SCRIPT.test(ch) ? 1 : 2;
    intlCache[c] = known;
  }
  return known === 1;
}
