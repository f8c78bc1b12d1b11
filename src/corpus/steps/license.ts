import { z } from 'zod';
import type { Document } from '../document.js';
import { KEEP, remove, type Step, type Verdict } from '../step.js';
import { parseStepOptions } from './score-filter.js';

/**
 * `license`: for sources that carry licence metadata (code datasets such as The Stack), keep only
 * documents whose licence is on an allowlist of SPDX identifiers, permissive ones by default.
 *
 * The field may hold an SPDX expression (`MIT`, `MIT OR Apache-2.0`, `(MIT AND Zlib)`,
 * `Apache-2.0 WITH LLVM-exception`, `GPL-2.0+`) or an array of them. An expression passes when it
 * is satisfiable with allowed licences: OR needs one side, AND both; `X WITH exception` passes
 * when X does (an exception only adds permissions); `X+` when X or X+ is allowed. An array passes
 * only when every element does: a repository that lists several licences is under all of them.
 * Identifiers compare case-insensitively (GitHub writes `mit`, `apache-2.0`); `/` is read as OR
 * (old crates.io style `MIT/Apache-2.0`). An unparsable expression is not allowed.
 * Reasons: `license_not_allowed` (detail: the licence), `license_missing` (absent, empty, `NONE`,
 * `NOASSERTION`) with `missing: remove`, the default, since an unknown licence grants nothing.
 */

export const PERMISSIVE_LICENSES = [
  '0BSD', 'Apache-2.0', 'BlueOak-1.0.0', 'BSD-2-Clause', 'BSD-3-Clause', 'BSL-1.0', 'CC-BY-3.0',
  'CC-BY-4.0', 'CC0-1.0', 'ISC', 'MIT', 'MIT-0', 'NCSA', 'PostgreSQL', 'PSF-2.0', 'Python-2.0',
  'Unlicense', 'UPL-1.0', 'WTFPL', 'X11', 'Zlib',
];

export const licenseOptions = {
  /** The metadata field with the licence (a dotted path reaches into nested objects). */
  field: z.string().min(1).default('license'),
  /** SPDX identifiers allowed (replaces the default permissive list). */
  allow: z.array(z.string().min(1)).min(1).default(PERMISSIVE_LICENSES),
  missing: z.enum(['keep', 'remove']).default('remove'),
};

export type LicenseOptions = z.input<z.ZodObject<typeof licenseOptions>> & { name?: string };

export function createLicenseStep(options: LicenseOptions = {}): Step {
  const parsed = parseStepOptions('license', licenseOptions, options);
  const allowed = licenseChecker(parsed.allow);
  return {
    kind: 'license',
    name: options.name ?? 'license',
    apply(doc: Document): Verdict {
      const value = metadataField(doc.metadata, parsed.field);
      const expressions = (Array.isArray(value) ? value : [value]).filter((v) => !isMissing(v));
      if (expressions.length === 0) return parsed.missing === 'remove' ? remove('license_missing') : KEEP;
      for (const expression of expressions) {
        if (typeof expression !== 'string') return remove('license_not_allowed', `not a licence expression: ${JSON.stringify(expression)}`);
        if (!allowed(expression)) return remove('license_not_allowed', expression);
      }
      return KEEP;
    },
  };
}

function isMissing(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value !== 'string') return false;
  const trimmed = value.trim().toUpperCase();
  return trimmed === '' || trimmed === 'NONE' || trimmed === 'NOASSERTION';
}

/** `field` as a key, else as a dotted path (`repo.license`). */
function metadataField(metadata: Record<string, unknown>, field: string): unknown {
  if (Object.hasOwn(metadata, field)) return metadata[field];
  let value: unknown = metadata;
  for (const key of field.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** A memoised test of SPDX expressions against an allowlist (corpora repeat a few licences). */
export function licenseChecker(allow: string[]): (expression: string) => boolean {
  const allowed = new Set(allow.map((id) => id.toLowerCase()));
  const isAllowed = (id: string) => allowed.has(id) || (id.endsWith('+') && allowed.has(id.slice(0, -1)));
  const cache = new Map<string, boolean>();
  return (expression) => {
    let result = cache.get(expression);
    if (result === undefined) {
      result = satisfiable(expression, isAllowed);
      if (cache.size < 10_000) cache.set(expression, result);
    }
    return result;
  };
}

type Token = '(' | ')' | 'and' | 'or' | 'with' | { id: string };

function tokenize(expression: string): Token[] | undefined {
  const tokens: Token[] = [];
  for (const raw of expression.replace(/[()/]/g, ' $& ').split(/\s+/)) {
    if (raw === '') continue;
    const lower = raw.toLowerCase();
    if (raw === '(' || raw === ')') tokens.push(raw);
    else if (raw === '/') tokens.push('or');
    else if (lower === 'and' || lower === 'or' || lower === 'with') tokens.push(lower);
    else if (/^[A-Za-z0-9.:+-]+$/.test(raw)) tokens.push({ id: lower });
    else return undefined;
  }
  return tokens;
}

/**
 * Whether the expression can be satisfied with allowed licences. Grammar (SPDX annex D, WITH
 * binding tighter than AND, AND tighter than OR):
 *   or := and ('OR' and)* ; and := with ('AND' with)* ; with := atom ('WITH' id)? ; atom := id | '(' or ')'
 * Every subexpression is parsed even after the result is known, so a syntax error anywhere is caught.
 */
export function satisfiable(expression: string, isAllowed: (id: string) => boolean): boolean {
  const tokens = tokenize(expression);
  if (!tokens || tokens.length === 0) return false;
  let at = 0;
  const fail = (): never => {
    throw new SyntaxError(expression);
  };
  const atom = (): boolean => {
    const token = tokens[at++];
    if (token === '(') {
      const value = or();
      if (tokens[at++] !== ')') fail();
      return value;
    }
    return typeof token === 'object' ? isAllowed(token.id) : fail();
  };
  const withException = (): boolean => {
    const value = atom();
    if (tokens[at] === 'with') {
      at++;
      if (typeof tokens[at++] !== 'object') fail();
    }
    return value;
  };
  const and = (): boolean => {
    let value = withException();
    while (tokens[at] === 'and') {
      at++;
      value = withException() && value;
    }
    return value;
  };
  const or = (): boolean => {
    let value = and();
    while (tokens[at] === 'or') {
      at++;
      value = and() || value;
    }
    return value;
  };
  try {
    const value = or();
    return at === tokens.length ? value : false;
  } catch (err) {
    if (err instanceof SyntaxError) return false;
    throw err;
  }
}
