/**
 * Option shapes shared by the quality steps. A threshold of null (Python's None) turns its rule
 * off; the Gopher steps also take 0 as off, as datatrove tests `if self.threshold and ...` there.
 */
import { z } from 'zod';
import { resolveLanguage } from './language.js';

/** A threshold option with its datatrove default; null turns the rule off. */
export function threshold(value: number) {
  return z.number().min(0).nullable().default(value);
}

/** Whether a Gopher rule with this threshold is on (datatrove's truthiness: null and 0 are off). */
export function active(value: number | null | undefined): value is number {
  return typeof value === 'number' && value !== 0;
}

/**
 * Per-language overrides of a step's thresholds: `{zh: {min_avg_word_length: 1}}`. Keys are
 * language labels as the `language` step writes them (`zh`, `cmn_Hani`); they are matched on the
 * primary language subtag.
 */
export function languageOverrides<Shape extends z.ZodRawShape>(thresholds: Shape) {
  const partial = Object.fromEntries(Object.keys(thresholds).map((k) => [k, z.number().min(0).nullable().optional()]));
  return z.record(z.string(), z.object(partial).strict());
}

/**
 * The thresholds that apply to each language: the step's own, with the overrides for that
 * language's primary subtag on top. Cached per language.
 */
export function thresholdsByLanguage<T extends Record<string, number | null>>(
  base: T,
  overrides: Record<string, Record<string, number | null | undefined>>,
): (primary: string) => T {
  const byPrimary = new Map<string, Partial<T>>();
  for (const [label, values] of Object.entries(overrides)) {
    const defined = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
    byPrimary.set(resolveLanguage(label).primary, defined as Partial<T>);
  }
  const merged = new Map<string, T>();
  return (primary) => {
    let found = merged.get(primary);
    if (found === undefined) {
      found = { ...base, ...byPrimary.get(primary) };
      merged.set(primary, found);
    }
    return found;
  };
}
