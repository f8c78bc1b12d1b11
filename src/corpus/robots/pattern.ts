/**
 * Path patterns of `Allow` / `Disallow` rules, and the URL paths they are matched against
 * (RFC 9309 sections 2.2.2 and 2.2.3).
 *
 * Both sides go through one normalisation so that equal octet strings mean equal paths:
 *   - characters outside ASCII are percent-encoded as UTF-8 (`ツ` -> `%E3%83%84`);
 *   - `%xx` escapes get upper-case hex, and escapes of unreserved characters are decoded
 *     (`%62%61%7A` -> `baz`), as the RFC requires; escapes of reserved characters stay escaped,
 *     because `%2F` and `/` are different octets to a server (RFC 3986 section 6.2.2.2);
 *   - ASCII characters that are neither unreserved nor reserved (space, `"`, `<`, `|` ...) are
 *     escaped, since crawlers and URL parsers disagree on whether to escape them;
 *   - in a URL, literal `*` and `$` become `%2A` and `%24`; in a pattern, `*` is the wildcard, a
 *     final `$` anchors the end and any other `$` is literal (`%24`). A pattern can therefore
 *     name a literal star as `%2A`, which matches `*` in the URL (RFC 9309 figure 6).
 *
 * Matching never builds a RegExp: a pattern is a prefix, an exact string, or literal segments
 * between `*`s matched left to right with `indexOf`. Taking each segment at its leftmost
 * occurrence is optimal for `*`-only globs, so a match is one pass (no backtracking, whatever
 * the pattern or the URL).
 */

/** One `Allow` or `Disallow` line, ready to match. */
export interface CompiledRule {
  allow: boolean;
  /** Octets of the normalised pattern, `*` and `$` included: the longest match wins. */
  priority: number;
  /** The rule as written (for explanations). */
  source: string;
  /** Literal pieces between `*`s; a pattern without `*` has exactly one. */
  segments: string[];
  /** A final `$`: the path must end where the pattern ends. */
  anchored: boolean;
}

// 1 = copied as is; 0 = percent-escaped. Index: ASCII code.
const PLAIN = new Uint8Array(128);
const UNRESERVED = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~') {
  PLAIN[c.charCodeAt(0)] = 1;
  UNRESERVED[c.charCodeAt(0)] = 1;
}
// Reserved characters (RFC 3986 section 2.2), except `*` and `$`, which the callers decide on.
// `'` is left out: URL parsers escape it in queries (WHATWG), so both sides compare it as `%27`.
for (const c of ':/?#[]@!&()+,;=') PLAIN[c.charCodeAt(0)] = 1;

const STAR = 0x2a;
const DOLLAR = 0x24;
const PERCENT = 0x25;
const HEX = '0123456789ABCDEF';

function isHex(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

function escapeByte(byte: number): string {
  return `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
}

/**
 * Normalise a path (+ query). `keepSpecial`: leave `*` and `$` raw (patterns) instead of
 * escaping them (URLs). Most URL paths need no change, so the common case allocates nothing.
 */
function normalise(path: string, keepSpecial: boolean): string {
  let i = 0;
  for (; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c >= 128 || PLAIN[c] === 0) {
      if (keepSpecial && (c === STAR || c === DOLLAR)) continue;
      break;
    }
  }
  if (i === path.length) return path;

  let out = path.slice(0, i);
  while (i < path.length) {
    const c = path.charCodeAt(i);
    if (c < 128 && PLAIN[c] === 1) {
      out += path[i++];
    } else if (c === STAR || c === DOLLAR) {
      out += keepSpecial ? path[i] : escapeByte(c);
      i++;
    } else if (c === PERCENT && i + 2 < path.length && isHex(path.charCodeAt(i + 1)) && isHex(path.charCodeAt(i + 2))) {
      const byte = parseInt(path.slice(i + 1, i + 3), 16);
      out += byte < 128 && UNRESERVED[byte] === 1 ? String.fromCharCode(byte) : escapeByte(byte);
      i += 3;
    } else if (c === PERCENT) {
      out += '%'; // a stray `%` is left alone on both sides, so it still compares equal
      i++;
    } else if (c < 128) {
      out += escapeByte(c);
      i++;
    } else {
      // One code point (a surrogate pair counts as one); lone surrogates become U+FFFD.
      const cp = path.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      for (const byte of Buffer.from(ch, 'utf8')) out += escapeByte(byte);
      i += ch.length;
    }
  }
  return out;
}

/** The form of a URL's path + query that patterns are compared with. */
export function normaliseUrlPath(pathAndQuery: string): string {
  return normalise(pathAndQuery, false);
}

/**
 * Compile one rule value. The RFC requires rule paths to start with `/` (or `*`); a value that
 * starts otherwise (`Disallow: private/`) is read as if it began with `/`, which is what its
 * author means and errs on the side of the opt-out.
 */
export function compileRule(allow: boolean, value: string): CompiledRule {
  const written = value.startsWith('/') || value.startsWith('*') ? value : `/${value}`;
  const pattern = normalise(written, true);
  const anchored = pattern.endsWith('$');
  const body = (anchored ? pattern.slice(0, -1) : pattern).replaceAll('$', '%24');
  const segments = body.split('*');
  // `a**b` is `a*b`: drop empty inner pieces (the first and last carry the anchoring meaning).
  const compact = segments.filter((s, k) => s !== '' || k === 0 || k === segments.length - 1);
  return { allow, priority: pattern.length, source: value, segments: compact, anchored };
}

/** Does the rule match this normalised path (+ query)? */
export function ruleMatches(rule: CompiledRule, path: string): boolean {
  const segs = rule.segments;
  const first = segs[0]!;
  if (segs.length === 1) return rule.anchored ? path === first : path.startsWith(first);
  if (!path.startsWith(first)) return false;
  let pos = first.length;
  const lastIndex = segs.length - 1;
  for (let k = 1; k < lastIndex; k++) {
    const seg = segs[k]!;
    const at = path.indexOf(seg, pos);
    if (at < 0) return false;
    pos = at + seg.length;
  }
  const last = segs[lastIndex]!;
  if (rule.anchored) return path.length - last.length >= pos && path.endsWith(last);
  return last === '' || path.indexOf(last, pos) >= 0;
}

/**
 * Order rules so that the first match decides: longest first, and `Allow` before `Disallow`
 * of the same length (the RFC's tie-break).
 */
export function byPrecedence(a: CompiledRule, b: CompiledRule): number {
  return b.priority - a.priority || Number(b.allow) - Number(a.allow);
}
