import { isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';
import { isAsciiWord, isDigit, isHexDigit } from './chars.js';

/**
 * IP addresses. Both scanners anchor on a separator (`.` for IPv4, `:` for IPv6), expand to the
 * maximal run of address characters around it, and validate that run once; the next search starts
 * after the run, so every character is visited a bounded number of times (linear time).
 *
 * Taking the whole run is what keeps versions and dates out: `1.2.3.4.5` is one run of five
 * numbers, not an address followed by `.5`, and `2024.01.02` has three.
 */

const DOT = 46;
const COLON = 58;
/** The longest IPv6 text form: eight groups, or six groups and a dotted IPv4 tail (45 chars). */
const IPV6_MAX = 45;

function isDigitOrDot(c: number): boolean {
  return isDigit(c) || c === DOT;
}

/** `1.2.3.4`: four decimal octets 0-255 without leading zeros (`01` is octal to some parsers). */
export function isDottedQuad(run: string): boolean {
  const parts = run.split('.');
  if (parts.length !== 4) return false;
  for (const part of parts) {
    if (part.length === 0 || part.length > 3 || (part.length > 1 && part[0] === '0')) return false;
    if (Number(part) > 255) return false;
  }
  return true;
}

/**
 * Globally routable, as datatrove keeps only public addresses: ipaddr.js classifies every
 * special-purpose block (private, loopback, link-local, CGNAT, documentation, multicast ...) and
 * calls the rest `unicast`. For IPv6 the global unicast space is also limited to 2000::/3, and an
 * IPv4-mapped address is judged by the IPv4 address inside it.
 */
export function isPublicIp(address: string): boolean {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return false;
  }
  if (parsed.kind() === 'ipv4') return parsed.range() === 'unicast';
  const v6 = parsed as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().range() === 'unicast';
  const first = v6.parts[0];
  return v6.range() === 'unicast' && (first & 0xe000) === 0x2000;
}

export function findIPv4(text: string, out: number[], accept: (address: string) => boolean): void {
  const n = text.length;
  let scanned = 0;
  let dot = text.indexOf('.');
  while (dot !== -1) {
    if (dot === 0 || !isDigit(text.charCodeAt(dot - 1))) {
      dot = text.indexOf('.', dot + 1);
      continue;
    }
    let start = dot - 1;
    while (start > scanned && isDigitOrDot(text.charCodeAt(start - 1))) start--;
    let end = dot + 1;
    while (end < n && isDigitOrDot(text.charCodeAt(end))) end++;
    scanned = end;
    // Sentence punctuation after an address ("... is 8.8.8.8.") is not part of it.
    let stop = end;
    while (stop > start && text.charCodeAt(stop - 1) === DOT) stop--;
    const before = start > 0 ? text.charCodeAt(start - 1) : 32;
    const after = end < n ? text.charCodeAt(end) : 32;
    if (text.charCodeAt(start) !== DOT && !isAsciiWord(before) && !isAsciiWord(after)) {
      const run = text.slice(start, stop);
      if (isDottedQuad(run) && accept(run)) out.push(start, stop);
    }
    dot = text.indexOf('.', end);
  }
}

function isIPv6Char(c: number): boolean {
  return isHexDigit(c) || c === COLON || c === DOT;
}

/**
 * Is this run an IPv6 address as people write it? Besides being valid, it must have `::` or all
 * eight groups, and a decimal digit: this keeps out times (`12:30:45`), MAC addresses (no `::`)
 * and code (`a::b`, `Foo::bar` is cut by the boundary check anyway).
 */
function isWrittenIPv6(candidate: string): boolean {
  if (candidate.length > IPV6_MAX || !/[0-9]/.test(candidate)) return false;
  let colons = 0;
  for (let i = 0; i < candidate.length; i++) if (candidate.charCodeAt(i) === COLON) colons++;
  if (colons < 2 || (colons < 7 && !candidate.includes('::'))) return false;
  return isIPv6(candidate);
}

export function findIPv6(text: string, out: number[], accept: (address: string) => boolean): void {
  const n = text.length;
  let scanned = 0;
  let colon = text.indexOf(':');
  while (colon !== -1) {
    let start = colon;
    while (start > scanned && colon - start <= IPV6_MAX && isIPv6Char(text.charCodeAt(start - 1))) start--;
    let end = colon + 1;
    while (end < n && isIPv6Char(text.charCodeAt(end))) end++;
    // A run longer than any address is not one; it is skipped whole, which is what keeps
    // ':'.repeat(1e6) linear.
    const tooLong = colon - start > IPV6_MAX || end - start > IPV6_MAX + 2;
    scanned = end;
    const before = start > 0 ? text.charCodeAt(start - 1) : 32;
    const after = end < n ? text.charCodeAt(end) : 32;
    if (!tooLong && !isAsciiWord(before) && !isAsciiWord(after)) {
      const span = trimIPv6(text, start, end);
      if (span !== -1) {
        const candidate = text.slice(start, span);
        if (isWrittenIPv6(candidate) && accept(candidate)) out.push(start, span);
      }
    }
    colon = text.indexOf(':', end);
  }
}

/** The end of the run without trailing sentence punctuation (`.`, a lone `:`), or -1. */
function trimIPv6(text: string, start: number, end: number): number {
  let stop = end;
  while (stop > start && text.charCodeAt(stop - 1) === DOT) stop--;
  if (stop - start >= 2 && text.charCodeAt(stop - 1) === COLON && text.charCodeAt(stop - 2) !== COLON) stop--;
  return stop > start ? stop : -1;
}

/** The cheap tests the redactor runs before each scanner. */
export function mayContainIPv4(text: string): boolean {
  return text.indexOf('.') !== -1;
}

export function mayContainIPv6(text: string): boolean {
  return text.indexOf(':') !== -1;
}
