/**
 * Stop words per language for Gopher's "at least two stop words" rule: datatrove's eight English
 * words for English, the npm `stopwords-iso` list (58 languages, ISO 639-1 keys) for the others.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

/** datatrove's (and Gopher's) list: the rule asks for a couple of function words, not a lexicon. */
export const ENGLISH_STOP_WORDS: readonly string[] = ['the', 'be', 'to', 'of', 'and', 'that', 'have', 'with'];

/** Where a tag's primary subtag differs from the `stopwords-iso` key (ICU canonicalises `tl` to `fil`). */
const ISO_KEY: Record<string, string> = { fil: 'tl', nb: 'no', nn: 'no' };

let lists: Record<string, string[]> | undefined;

function stopwordsIso(): Record<string, string[]> {
  if (lists === undefined) {
    // A 200 kB JSON file: read on first use, so pipelines without gopher_quality never load it.
    const file = createRequire(import.meta.url).resolve('stopwords-iso/stopwords-iso.json');
    lists = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string[]>;
  }
  return lists;
}

const LETTER = /\p{L}/u;
const builtIn = new Map<string, ReadonlySet<string> | undefined>();

/**
 * The built-in stop words of a language (primary subtag), or undefined when there is no list.
 * Entries without a letter are dropped: the Chinese and Japanese lists carry punctuation (`。`),
 * which would count every full stop as a stop word.
 */
export function builtInStopWords(primary: string): ReadonlySet<string> | undefined {
  if (builtIn.has(primary)) return builtIn.get(primary);
  let set: ReadonlySet<string> | undefined;
  if (primary === 'en') set = new Set(ENGLISH_STOP_WORDS);
  else {
    const list = stopwordsIso()[ISO_KEY[primary] ?? primary];
    set = list === undefined ? undefined : new Set(list.filter((w) => LETTER.test(w)));
  }
  builtIn.set(primary, set);
  return set;
}

/** The languages (ISO 639-1) that have a built-in list. */
export function stopWordLanguages(): string[] {
  return Object.keys(stopwordsIso()).sort();
}
