import { isAsciiWord, isDigit } from './chars.js';

/**
 * Payment card numbers (PAN): 13-19 digits, unseparated or in the groups printed on cards
 * (4-4-4-4, 4-4-4-4-3, Amex 4-6-5, Diners 4-6-4) with one kind of separator (space or hyphen),
 * a known issuer prefix (IIN) with a length that issuer uses, and a valid Luhn check digit.
 *
 * The scanner reads maximal runs of digit groups joined by single separators, once each, and tries
 * the card layouts on runs of at most 12 groups and 13 digits or more; longer runs (tables of
 * numbers) are skipped whole.
 */

const MAX_GROUPS = 12;

export function luhnOk(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

function between(value: number, low: number, high: number): boolean {
  return value >= low && value <= high;
}

/** Issuer prefixes and the lengths each issuer uses (ISO/IEC 7812 as the card networks publish). */
export function knownIssuer(digits: string): boolean {
  const length = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p3 = Number(digits.slice(0, 3));
  const p4 = Number(digits.slice(0, 4));
  if (digits[0] === '4') return length === 13 || length === 16 || length === 19; // Visa
  if (between(p2, 51, 55) || between(p4, 2221, 2720)) return length === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return length === 15; // American Express
  if (between(p4, 2200, 2204)) return length >= 16; // Mir
  if (between(p3, 300, 305) || p4 === 3095 || p2 === 36 || p2 === 38 || p2 === 39) return length >= 14; // Diners
  if (between(p4, 3528, 3589)) return length >= 16; // JCB
  if (p4 === 6011 || between(p3, 644, 649) || p2 === 65 || p2 === 62) return length >= 16; // Discover, UnionPay
  if (p2 === 50 || between(p2, 56, 69)) return length >= 13; // Maestro and other debit
  return false;
}

/** Card layouts, by group lengths. */
function isCardLayout(groups: number[]): boolean {
  if (groups.length === 1) return true;
  if (groups[0] !== 4) return false;
  if (groups.length === 3 && groups[1] === 6) return groups[2] === 4 || groups[2] === 5;
  for (let g = 1; g < groups.length - 1; g++) if (groups[g] !== 4) return false;
  const last = groups[groups.length - 1];
  return last >= 1 && last <= 4;
}

function isCard(text: string, starts: number[], ends: number[], seps: number[], a: number, b: number): boolean {
  const lengths: number[] = [];
  let digits = '';
  for (let g = a; g <= b; g++) {
    if (g > a && seps[g - 1] !== seps[a]) return false;
    lengths.push(ends[g] - starts[g]);
    digits += text.slice(starts[g], ends[g]);
    if (digits.length > 19) return false;
  }
  return digits.length >= 13 && isCardLayout(lengths) && knownIssuer(digits) && luhnOk(digits);
}

function decimalMark(c: number): boolean {
  return c === 46 || c === 44;
}

/**
 * The run of digit groups starting at `start`: where it ends, how many groups and digits it has.
 * Counted before anything is stored, so the many short runs of ordinary text cost no allocation.
 */
function measureRun(text: string, start: number): { end: number; groups: number; digits: number } {
  const n = text.length;
  let pos = start;
  let groups = 0;
  let digits = 0;
  for (;;) {
    const groupStart = pos;
    while (pos < n && isDigit(text.charCodeAt(pos))) pos++;
    digits += pos - groupStart;
    groups++;
    const sep = pos + 1 < n ? text.charCodeAt(pos) : 0;
    if ((sep === 32 || sep === 45) && isDigit(text.charCodeAt(pos + 1))) pos++;
    else return { end: pos, groups, digits };
  }
}

/** Tries the card layouts on every stretch of the run's groups, longest first. */
function findInRun(text: string, start: number, end: number, out: number[]): void {
  const starts: number[] = [];
  const ends: number[] = [];
  const seps: number[] = [];
  for (let pos = start; pos < end; ) {
    starts.push(pos);
    while (pos < end && isDigit(text.charCodeAt(pos))) pos++;
    ends.push(pos);
    if (pos < end) seps.push(text.charCodeAt(pos++));
  }
  const groups = starts.length;
  // "2024 4111 1111 1111 1111" still finds the card after the year.
  for (let a = 0; a < groups; a++) {
    for (let b = groups - 1; b >= a; b--) {
      if (isCard(text, starts, ends, seps, a, b)) {
        out.push(starts[a], ends[b]);
        a = b;
        break;
      }
    }
  }
}

export function findCards(text: string, out: number[]): void {
  const n = text.length;
  let start = 0;
  while (start < n) {
    if (!isDigit(text.charCodeAt(start))) {
      start++;
      continue;
    }
    const run = measureRun(text, start);
    const before = start > 0 ? text.charCodeAt(start - 1) : 32;
    const after = run.end < n ? text.charCodeAt(run.end) : 32;
    const plausible =
      run.digits >= 13 && run.groups <= MAX_GROUPS && (run.groups > 1 || run.digits <= 19) &&
      !isAsciiWord(before) && !isAsciiWord(after) &&
      !(decimalMark(before) && start > 1 && isDigit(text.charCodeAt(start - 2))) &&
      !(decimalMark(after) && run.end + 1 < n && isDigit(text.charCodeAt(run.end + 1)));
    if (plausible) findInRun(text, start, run.end, out);
    start = run.end;
  }
}
