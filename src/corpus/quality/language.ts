/**
 * The language of a document, as the quality filters need it: a BCP 47 tag for Intl.Segmenter and
 * the primary language subtag (`de`, `zh`) for stop words and per-language thresholds.
 */
export interface Language {
  /** Canonical BCP 47 tag (`de`, `zh-Hani`, `sr-Latn`), `und` when the label does not parse. */
  tag: string;
  /** The primary language subtag (`de`, `zh`); `und` when unknown. */
  primary: string;
}

/** The language a document without `metadata.language` is taken to be in (datatrove's default). */
export const DEFAULT_LANGUAGE = 'en';

const UNKNOWN: Language = Object.freeze({ tag: 'und', primary: 'und' });
const resolved = new Map<string, Language>();

/**
 * Maps a language label to a canonical tag. Accepts what the `language` step writes: fastText
 * labels (`de`, `zh`, `__label__de`) and GlotLID labels (`deu_Latn`, `cmn_Hani`); ICU's
 * canonicalisation maps ISO 639-3 codes that have a 639-1 equivalent (`deu` -> `de`, `cmn` -> `zh`)
 * and macrolanguage members (`arb` -> `ar`, `pes` -> `fa`). Results are cached per label.
 */
export function resolveLanguage(label: unknown): Language {
  if (label === undefined || label === null || label === '') label = DEFAULT_LANGUAGE;
  if (typeof label !== 'string') return UNKNOWN;
  let found = resolved.get(label);
  if (found === undefined) {
    found = canonicalise(label);
    // Labels come from a model's fixed label set, so the cache stays small; the cap guards
    // against a corpus with free-text labels.
    if (resolved.size < 10_000) resolved.set(label, found);
  }
  return found;
}

function canonicalise(label: string): Language {
  const cleaned = label.replace(/^__label__/, '').trim().replace(/_/g, '-');
  try {
    const tag = Intl.getCanonicalLocales(cleaned)[0];
    if (tag === undefined) return UNKNOWN;
    return { tag, primary: new Intl.Locale(tag).language };
  } catch {
    // Not a well-formed tag (`unknown`, `xx_Zzzz1`): measured with the root locale, no stop words.
    return UNKNOWN;
  }
}

/** The language of a document: `metadata.language` if set, else English. */
export function documentLanguage(metadata: Record<string, unknown>): Language {
  return resolveLanguage(metadata.language);
}
