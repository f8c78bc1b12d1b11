import { isIPv4, isIPv6 } from 'node:net';
import { isAsciiAlnum, isAsciiLetter, isDigit, isIntlLetter } from './chars.js';

/**
 * E-mail addresses, found by anchoring on each `@` and scanning outwards with bounded lengths.
 *
 * Why not one regex: `[\w.]+@...` retried from every start position is quadratic on a long run of
 * word characters (V8 backtracks). Here every `@` scans at most 64 characters to its left and 253
 * to its right, so the cost is linear in the text.
 *
 * Local part (RFC 5322 dot-atom, narrowed to what appears in real addresses): ASCII letters and
 * digits, `. _ % + - '` and non-ASCII letters (RFC 6531). The rarer atext symbols
 * (`! # $ & * / = ? ^ { | } ~`) are left out on purpose: in web text they are URL query
 * delimiters (`?to=jo@x.com`), and including them would swallow the URL around the address.
 * Domain: dot-separated labels of letters, digits and inner hyphens, at least two labels, the last
 * (the TLD) letters only or an `xn--` punycode label; or an address literal `[1.2.3.4]`.
 */

const LOCAL_MAX = 64;
const DOMAIN_MAX = 253;
const LABEL_MAX = 63;
const LITERAL_MAX = 50;

const DOT = 46;
const HYPHEN = 45;

function isLocalChar(c: number): boolean {
  // . _ % + - '
  return (
    isAsciiAlnum(c) || c === DOT || c === 95 || c === 37 || c === 43 || c === HYPHEN || c === 39 || isIntlLetter(c)
  );
}

function isLabelChar(c: number): boolean {
  return isAsciiAlnum(c) || c === HYPHEN || isIntlLetter(c);
}

/** Where the local part ending just before `at` begins, or -1 when there is no valid one. */
function localStart(text: string, at: number, floor: number): number {
  let start = at;
  while (start > floor && at - start <= LOCAL_MAX && isLocalChar(text.charCodeAt(start - 1))) start--;
  // Still inside a run of local characters after 65 of them: longer than RFC 5321 allows.
  if (at - start > LOCAL_MAX) return -1;
  if (start === at || text.charCodeAt(at - 1) === DOT) return -1;
  // A dot-atom has no empty atoms: keep what follows the last `..`.
  for (let i = at - 1; i > start; i--) {
    if (text.charCodeAt(i) === DOT && text.charCodeAt(i - 1) === DOT) {
      start = i + 1;
      break;
    }
  }
  // Begin at a letter, digit or underscore, so quotes and signs before the address stay ('jo@x.com').
  while (start < at) {
    const c = text.charCodeAt(start);
    if (isAsciiAlnum(c) || c === 95 || isIntlLetter(c)) break;
    start++;
  }
  return start < at ? start : -1;
}

function isTopLevelLabel(text: string, start: number, end: number): boolean {
  if (end - start >= 4 && text.slice(start, start + 4).toLowerCase() === 'xn--') return true;
  if (end - start < 2) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    // Letters only: a numeric last label ("jo@10.0.0.1", "v@1.2") is not a domain name.
    if (!isAsciiLetter(c) && !isIntlLetter(c)) return false;
  }
  return true;
}

/** Where the domain starting at `from` ends, or -1 when no valid domain starts there. */
function domainEnd(text: string, from: number): number {
  const n = text.length;
  const limit = Math.min(n, from + DOMAIN_MAX);
  let pos = from;
  let labels = 0;
  let lastGood = -1;
  while (pos < limit) {
    const labelStart = pos;
    while (pos < limit && isLabelChar(text.charCodeAt(pos))) pos++;
    if (pos === limit && pos < n && isLabelChar(text.charCodeAt(pos))) break; // past 253 characters
    let labelEnd = pos;
    // Trailing hyphens are punctuation after the address ("jo@x.com--"), not part of the label.
    while (labelEnd > labelStart && text.charCodeAt(labelEnd - 1) === HYPHEN) labelEnd--;
    const length = labelEnd - labelStart;
    if (length === 0 || length > LABEL_MAX || text.charCodeAt(labelStart) === HYPHEN) break;
    labels++;
    if (labels >= 2 && isTopLevelLabel(text, labelStart, labelEnd)) lastGood = labelEnd;
    if (labelEnd < pos) break;
    if (pos + 1 < limit && text.charCodeAt(pos) === DOT && isLabelChar(text.charCodeAt(pos + 1))) pos++;
    else break;
  }
  return lastGood;
}

/** `[192.0.2.1]` or `[IPv6:2001:db8::1]` right after the `@`; returns the end past `]` or -1. */
function literalEnd(text: string, open: number): number {
  // Bounded search: an unbounded indexOf from every "@[" would be quadratic.
  const close = text.slice(open + 1, open + 1 + LITERAL_MAX).indexOf(']') + open + 1;
  if (close === open) return -1;
  const inside = text.slice(open + 1, close);
  const ok = inside.slice(0, 5).toLowerCase() === 'ipv6:' ? isIPv6(inside.slice(5)) : isIPv4(inside);
  return ok ? close + 1 : -1;
}

/** `icon@2x.png`: the retina-image naming convention, not an address. */
function isImageScale(text: string, from: number): boolean {
  let pos = from;
  while (pos < text.length && pos - from < 4 && isDigit(text.charCodeAt(pos))) pos++;
  return pos > from && (text.charCodeAt(pos) | 32) === 120 && text.charCodeAt(pos + 1) === DOT;
}

export function findEmails(text: string, out: number[]): void {
  let floor = 0;
  let at = text.indexOf('@');
  while (at !== -1) {
    const start = localStart(text, at, floor);
    let end = -1;
    if (start !== -1 && at + 1 < text.length) {
      if (text.charCodeAt(at + 1) === 91) end = literalEnd(text, at + 1);
      else if (!isImageScale(text, at + 1)) end = domainEnd(text, at + 1);
    }
    if (end !== -1) {
      out.push(start, end);
      floor = end;
      at = text.indexOf('@', end);
    } else {
      at = text.indexOf('@', at + 1);
    }
  }
}

/** True when `text` may hold an address: the cheap test the redactor runs first. */
export function mayContainEmail(text: string): boolean {
  return text.indexOf('@') !== -1;
}
