/**
 * Pre-tokenization patterns. Hugging Face `tokenizers` compiles tokenizer.json regexes with
 * Oniguruma (Ruby syntax); we run them with V8's RegExp (flags `u`). The common patterns (GPT-2,
 * Llama-3, tekken, Qwen) use a shared subset, but a few constructs differ in meaning or do not
 * exist in JavaScript, so every pattern goes through `translatePattern` first:
 * - `\s`: Oniguruma has U+0085 and not U+FEFF; JavaScript the other way round. We use Oniguruma's set.
 * - `\d`, `\w`: Unicode in Oniguruma, ASCII in JavaScript. We use the Unicode classes.
 * - `.`, `^`, `$`: Ruby semantics (`.` excludes only `\n`; `^`/`$` are line anchors).
 * - `(?i:...)` groups: Node 20 has no inline modifiers, so letters inside are expanded to their
 *   case variants (with the Unicode folds `ſ` and the Kelvin sign that Oniguruma applies too).
 * Constructs with no equivalent (possessive quantifiers, atomic groups, nested classes, POSIX
 * brackets, `\b`) are refused with an error that says which and where.
 */
import { UserError } from '../util/errors.js';

/** Oniguruma's Unicode `\s`: U+0009-000D, U+0085 and the separators (Zs, Zl, Zp). */
const SPACE_MEMBERS = '\\t-\\r\\x85\\p{Z}';
/** Oniguruma's Unicode `\w`: letters, marks, numbers, connector punctuation. */
const WORD_MEMBERS = '\\p{L}\\p{M}\\p{N}\\p{Pc}';
/** Characters whose case folds onto an ASCII letter besides its other case. */
const EXTRA_FOLDS = ['\u017f', '\u212a', '\u212b'];

/** The GPT-2 split that `ByteLevel(use_regex: true)` applies. */
export const GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

function refuse(source: string, at: number, what: string): never {
  throw new UserError(`pre-tokenization pattern: ${what} at offset ${at} has no JavaScript equivalent (pattern ${JSON.stringify(source)})`);
}

/** `text` as a pattern matching it literally (valid in both JavaScript `u` mode and Oniguruma). */
export function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/** All spellings of `char` under Unicode simple case folding. */
function caseVariants(char: string): string[] {
  const fold = new RegExp(escapeRegExp(char), 'iu');
  const candidates = [char, char.toLowerCase(), char.toUpperCase(), ...EXTRA_FOLDS];
  return [...new Set(candidates.filter((c) => [...c].length === 1 && fold.test(c)))];
}

/** `\p{Name}` as JavaScript accepts it: general categories as is, Oniguruma script names as `Script=`. */
function property(name: string, negated: boolean): string {
  let body = name;
  if (body.startsWith('^')) {
    body = body.slice(1);
    negated = !negated;
  }
  const letter = negated ? 'P' : 'p';
  for (const candidate of [body, `Script=${body}`]) {
    try {
      new RegExp(`\\${letter}{${candidate}}`, 'u');
      return `\\${letter}{${candidate}}`;
    } catch {
      // not a name JavaScript knows in this form; try the next spelling
    }
  }
  throw new UserError(`pre-tokenization pattern: unknown Unicode property \\p{${name}}`);
}

/** Translates an Oniguruma (tokenizers) pattern into a JavaScript one for flags `u`. */
export function translatePattern(source: string): string {
  let out = '';
  let inClass = false;
  // One entry per open group: is case-insensitive matching on inside it?
  const ignoreCase: boolean[] = [false];
  let i = 0;
  const caseless = () => ignoreCase[ignoreCase.length - 1]!;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '\\') {
      const [text, length] = escape(source, i, inClass);
      out += text;
      i += length;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      else if (c === '[') refuse(source, i, source.startsWith('[:', i) ? 'a POSIX bracket class' : 'a nested character class');
      else if (c === '&' && source[i + 1] === '&') refuse(source, i, 'a class intersection (&&)');
      else if (caseless() && source[i + 1] === '-' && source[i + 2] !== ']') refuse(source, i, 'a range in a case-insensitive class');
      const char = String.fromCodePoint(source.codePointAt(i)!);
      out += caseless() && /\p{L}/u.test(char) ? caseVariants(char).join('') : char;
      i += char.length;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (source[i + 1] === '^') {
        out += '^';
        i++;
      }
      // A `]` right after `[` or `[^` is a literal in Oniguruma.
      if (source[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      i++;
      continue;
    }
    if (c === '(') {
      const [text, length, flag] = group(source, i, caseless());
      out += text;
      i += length;
      if (flag === 'inline') ignoreCase[ignoreCase.length - 1] = true;
      else ignoreCase.push(flag);
      continue;
    }
    if (c === ')') {
      if (ignoreCase.length > 1) ignoreCase.pop();
      out += c;
      i++;
      continue;
    }
    if ('*+?}'.includes(c) && source[i + 1] === '+') refuse(source, i, 'a possessive quantifier');
    const char = String.fromCodePoint(source.codePointAt(i)!);
    if (c === '.') out += '[^\\n]';
    else if (c === '^') out += '(?<![^\\n])';
    else if (c === '$') out += '(?![^\\n])';
    else if (caseless() && /\p{L}/u.test(char)) {
      const variants = caseVariants(char);
      out += variants.length > 1 ? `[${variants.join('')}]` : char;
    } else out += char;
    i += char.length;
  }
  return out;
}

/** A group opening at `source[at]`: its JavaScript text, its length, and its case mode. */
function group(source: string, at: number, caseless: boolean): [string, number, boolean | 'inline'] {
  const rest = source.slice(at);
  const flags = /^\(\?(-?)i(\)|:)/.exec(rest);
  if (flags) {
    const on = flags[1] !== '-';
    if (flags[2] === ')') {
      if (!on) refuse(source, at, 'a (?-i) flag');
      return ['', flags[0].length, 'inline'];
    }
    return ['(?:', flags[0].length, on];
  }
  if (/^\((?!\?)|^\(\?(?::|=|!|<=|<!|<[A-Za-z_])/.test(rest)) return ['(', 1, caseless];
  if (rest.startsWith('(?>')) refuse(source, at, 'an atomic group (?>...)');
  return refuse(source, at, `the group ${rest.slice(0, 4)}...`);
}

/** An escape starting at `source[at]`: its JavaScript text and its length. */
function escape(source: string, at: number, inClass: boolean): [string, number] {
  const next = source[at + 1];
  if (next === undefined) refuse(source, at, 'a trailing backslash');
  switch (next) {
    case 's':
      return [inClass ? SPACE_MEMBERS : `[${SPACE_MEMBERS}]`, 2];
    case 'w':
      return [inClass ? WORD_MEMBERS : `[${WORD_MEMBERS}]`, 2];
    case 'S':
    case 'W':
      if (inClass) refuse(source, at, `\\${next} inside a character class`);
      return [`[^${next === 'S' ? SPACE_MEMBERS : WORD_MEMBERS}]`, 2];
    case 'd':
      return ['\\p{Nd}', 2];
    case 'D':
      return ['\\P{Nd}', 2];
    case 'A':
      return inClass ? refuse(source, at, '\\A inside a class') : ['^', 2];
    case 'z':
      return inClass ? refuse(source, at, '\\z inside a class') : ['$', 2];
    case 'p':
    case 'P': {
      const close = source.indexOf('}', at);
      if (source[at + 2] !== '{' || close < 0) refuse(source, at, 'a malformed \\p{...}');
      return [property(source.slice(at + 3, close), next === 'P'), close - at + 1];
    }
    case 'x': {
      const braced = /^\\x\{([0-9A-Fa-f]+)\}/.exec(source.slice(at));
      if (braced) return [`\\u{${braced[1]}}`, braced[0].length];
      return ['\\x', 2];
    }
    case 'h':
      return [inClass ? '0-9a-fA-F' : '[0-9a-fA-F]', 2];
    case 'H':
      return inClass ? refuse(source, at, '\\H inside a class') : ['[^0-9a-fA-F]', 2];
    case 'e':
      return ['\\x1b', 2];
    case 'a':
      return ['\\x07', 2];
    case 'b':
    case 'B':
    case 'G':
    case 'Z':
    case 'R':
    case 'X':
    case 'K':
      return refuse(source, at, `\\${next}`);
    default: {
      const char = String.fromCodePoint(source.codePointAt(at + 1)!);
      const length = 1 + char.length;
      // Letters and digits are escapes both sides know (\n, \t, \u, \1 ...); JavaScript's `u` mode
      // rejects escaped punctuation other than its syntax characters, which is then a plain literal.
      if (/[A-Za-z0-9]/.test(char) || '^$\\.*+?()[]{}|/'.includes(char) || (inClass && char === '-')) return [`\\${char}`, length];
      return [char, length];
    }
  }
}

/** Compiles a tokenizers pattern for JavaScript; `flags` beyond `u` as the caller needs (`g`, `y`). */
export function compilePattern(source: string, flags = 'gu'): RegExp {
  const translated = translatePattern(source);
  try {
    return new RegExp(translated, flags.includes('u') ? flags : `${flags}u`);
  } catch (err) {
    throw new UserError(`pre-tokenization pattern ${JSON.stringify(source)} does not compile in JavaScript: ${(err as Error).message}`);
  }
}
