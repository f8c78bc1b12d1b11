import { isAsciiWord, isDigit } from './chars.js';

/**
 * Telephone numbers, tuned for few false positives (this detector is off by default).
 *
 * Accepted shapes, 8 to 15 digits in all (E.164 allows 15):
 * - international: `+CC` or `00CC` then groups, e.g. `+41 44 668 18 00`, `+49 (0)30 1234567`,
 *   `+1-202-555-0143`, `+7 (495) 123-45-67`, `0041 44 668 18 00`, or compact `+41446681800`;
 * - national with a trunk `0` and at least one separator: `030 1234567`, `01 23 45 67 89`;
 * - an area code in parentheses: `(202) 555-0143`, `8 (495) 123-45-67`;
 * - North American `202-555-0143`, `1-800-555-0199` (area and exchange start with 2-9).
 * Rejected: numbers without separators or `+`, dates (`2024-01-02`, `02.01.2024`), dotted quads,
 * ISBNs (978/979 prefixes, the ISBN-10 layout, or the word ISBN just before), ISSNs, decimals,
 * time ranges (`08.30-17.00`), runs of one-digit groups, and one repeated digit.
 *
 * Candidates start only at a `+`, a `(` or the first digit of a group, and are read at most
 * MAX_LENGTH characters ahead, so the scan is linear.
 */

const MAX_LENGTH = 32;
const MIN_DIGITS = 8;
const MAX_DIGITS = 15;

const PLUS = 43;
const OPEN = 40;
const CLOSE = 41;
const SPACE = 32;
const NBSP = 0xa0;
const NONE = 0;

function isSeparator(c: number): boolean {
  return c === SPACE || c === NBSP || c === 45 || c === 46 || c === 47; // space - . /
}

/** One candidate, as digit groups; `sepAfter[g]` is what follows group g (NONE at the end). */
interface Groups {
  plus: boolean;
  starts: number[];
  ends: number[];
  paren: boolean[];
  sepAfter: number[];
}

function readGroups(text: string, start: number): Groups {
  const n = text.length;
  const groups: Groups = { plus: false, starts: [], ends: [], paren: [], sepAfter: [] };
  let pos = start;
  if (text.charCodeAt(pos) === PLUS) {
    groups.plus = true;
    pos++;
  }
  while (pos < n && pos - start <= MAX_LENGTH) {
    const open = text.charCodeAt(pos) === OPEN;
    const digitsStart = open ? pos + 1 : pos;
    let q = digitsStart;
    while (q < n && q - digitsStart <= MAX_DIGITS && isDigit(text.charCodeAt(q))) q++;
    const count = q - digitsStart;
    if (count === 0 || count > MAX_DIGITS || (open && (count > 5 || text.charCodeAt(q) !== CLOSE))) break;
    groups.starts.push(digitsStart);
    groups.ends.push(q);
    groups.paren.push(open);
    groups.sepAfter.push(NONE);
    pos = open ? q + 1 : q;
    const c = pos < n ? text.charCodeAt(pos) : NONE;
    const next = pos + 1 < n ? text.charCodeAt(pos + 1) : NONE;
    const last = groups.sepAfter.length - 1;
    if (isSeparator(c) && (isDigit(next) || next === OPEN)) {
      groups.sepAfter[last] = c;
      pos++;
    } else if ((c === OPEN && !open) || (open && isDigit(c))) {
      groups.sepAfter[last] = OPEN; // "8(495)", "(030)1234567": glued to a parenthesised group
    } else break;
  }
  return groups;
}

function digitsOf(text: string, g: Groups, k: number): string {
  let digits = '';
  for (let i = 0; i < k; i++) digits += text.slice(g.starts[i], g.ends[i]);
  return digits;
}

function isYear(digits: string): boolean {
  return digits.length === 4 && (digits.startsWith('19') || digits.startsWith('20'));
}

/** Shapes of the first k groups that are numbers of another kind. */
function looksLikeOtherNumber(text: string, g: Groups, k: number, digits: string): boolean {
  const sizes = g.ends.slice(0, k).map((end, i) => end - g.starts[i]);
  const seps = g.sepAfter.slice(0, k - 1);
  const part = (i: number): string => text.slice(g.starts[i], g.ends[i]);
  if (/^(\d)\1*$/.test(digits)) return true;
  if (k === 3 && digits.length === 8 && (isYear(part(0)) || isYear(part(2)))) return true; // a date
  if (k === 4 && seps.every((s) => s === 46) && sizes.every((s) => s <= 3)) return true; // 1.2.3.4
  if (digits.length === 13 && (digits.startsWith('978') || digits.startsWith('979'))) return true;
  if (digits.length === 10 && k === 4 && sizes[3] === 1 && seps.every((s) => s === 45)) return true;
  if (k === 2 && sizes[0] === 4 && sizes[1] === 4 && seps[0] === 45) return true; // ISSN 0317-8471
  // Dots mixed with another separator are times and ranges ("08.30-17.00"), not one number.
  if (seps.includes(46) && seps.some((s) => s !== 46 && s !== OPEN)) return true;
  return false;
}

function isNorthAmerican(text: string, g: Groups, k: number): boolean {
  const sizes = g.ends.slice(0, k).map((end, i) => end - g.starts[i]);
  const first = sizes.length === 4 && text[g.starts[0]] === '1' && sizes[0] === 1 ? 1 : 0;
  if (sizes.length - first !== 3 || sizes[first] !== 3 || sizes[first + 1] !== 3 || sizes[first + 2] !== 4) return false;
  const area = text.charCodeAt(g.starts[first]);
  const exchange = text.charCodeAt(g.starts[first + 1]);
  return area >= 50 && exchange >= 50; // both start with 2-9
}

/** Are the first k groups a telephone number? */
function isPhone(text: string, g: Groups, k: number): boolean {
  let count = 0;
  for (let i = 0; i < k; i++) count += g.ends[i] - g.starts[i];
  if (count < MIN_DIGITS || count > MAX_DIGITS) return false;
  const digits = digitsOf(text, g, k);
  const firstSize = g.ends[0] - g.starts[0];
  const international = g.plus || digits.startsWith('00');
  if (g.plus && (digits[0] === '0' || (k > 1 && firstSize > 3 && !g.paren[0]))) return false;
  if (!g.plus && k === 1) return false;
  let singles = 0;
  const kinds = new Set<number>();
  for (let i = 0; i < k; i++) {
    // A one-digit first group is normal ("+7 ...", "8 (495) ...", "1-800-..."); more than one
    // further one-digit group is a list of small numbers.
    if (g.ends[i] - g.starts[i] === 1 && !(i === 0 && (g.plus || k > 1))) singles++;
    if (i < k - 1 && g.sepAfter[i] !== OPEN) kinds.add(g.sepAfter[i]);
  }
  if (singles > 1 || kinds.size > 2) return false;
  if (looksLikeOtherNumber(text, g, k, digits)) return false;
  if (international) return true;
  const paren = g.paren[0] === true || g.paren[1] === true;
  return digits[0] === '0' || paren || isNorthAmerican(text, g, k);
}

/** May a candidate start at `s`? Not inside a word, a number or a decimal. */
function canStart(text: string, s: number): boolean {
  const c = text.charCodeAt(s);
  const next = s + 1 < text.length ? text.charCodeAt(s + 1) : NONE;
  if ((c === PLUS || c === OPEN) && !isDigit(next) && !(c === PLUS && next === OPEN)) return false;
  if (s > 0) {
    const prev = text.charCodeAt(s - 1);
    // After "+" or ")" a digit continues the number that began there.
    if (isAsciiWord(prev) || prev === PLUS || prev === CLOSE) return false;
    // Glued to a number before it by a separator: the tail of that number (a wrong IBAN, a list
    // of numbers), not a number of its own.
    if ((isSeparator(prev) || prev === 44) && s > 1 && isDigit(text.charCodeAt(s - 2))) return false;
  }
  return true;
}

function afterIsbnLabel(text: string, s: number): boolean {
  return /isbn/i.test(text.slice(Math.max(0, s - 12), s));
}

/** Can a number end at `end`? Not followed by a word character or a decimal part. */
function canEnd(text: string, g: Groups, k: number): boolean {
  const end = g.paren[k - 1] ? g.ends[k - 1] + 1 : g.ends[k - 1];
  const after = end < text.length ? text.charCodeAt(end) : NONE;
  if (isAsciiWord(after)) return false;
  const sep = g.sepAfter[k - 1];
  // A shorter prefix of a longer run may only end where the run has a space.
  if (sep !== NONE && sep !== SPACE && sep !== NBSP) return false;
  return !((after === 46 || after === 44) && isDigit(end + 1 < text.length ? text.charCodeAt(end + 1) : NONE));
}

/** Digits within reach of `s` (MAX_LENGTH characters of digits, separators and brackets). */
function digitsAhead(text: string, s: number): number {
  const limit = Math.min(text.length, s + MAX_LENGTH + 2);
  let digits = 0;
  for (let pos = s; pos < limit; pos++) {
    const c = text.charCodeAt(pos);
    if (isDigit(c)) digits++;
    else if (!isSeparator(c) && c !== OPEN && c !== CLOSE && c !== PLUS) break;
  }
  return digits;
}

/** The end of the longest telephone number starting at `s`, or -1. */
function phoneAt(text: string, s: number): number {
  if (!canStart(text, s) || digitsAhead(text, s) < MIN_DIGITS) return -1;
  const groups = readGroups(text, s);
  for (let k = groups.starts.length; k >= 1; k--) {
    if (canEnd(text, groups, k) && isPhone(text, groups, k)) {
      if (afterIsbnLabel(text, s)) return -1;
      return groups.paren[k - 1] ? groups.ends[k - 1] + 1 : groups.ends[k - 1];
    }
  }
  return -1;
}

export function findPhones(text: string, out: number[]): void {
  const n = text.length;
  // The regex engine skips prose faster than a charCodeAt loop.
  const candidate = /[0-9+(]/g;
  let s = 0;
  while (s < n) {
    candidate.lastIndex = s;
    const match = candidate.exec(text);
    if (match === null) break;
    s = match.index;
    const c = text.charCodeAt(s);
    const end = phoneAt(text, s);
    if (end !== -1) {
      out.push(s, end);
      s = end;
    } else if (c === OPEN) {
      // After a failed "(" the digits inside are tried on their own: "(030 1234567)".
      s++;
    } else {
      // Skip the rest of this digit run: a number never starts in the middle of another.
      s++;
      while (s < n && isDigit(text.charCodeAt(s))) s++;
    }
  }
}
