import naughtyWords from 'naughty-words';
import type { Document } from '../document.js';
import { LexiconMatcher } from './lexicon-matcher.js';
import type { Scorer } from './scorer.js';

/**
 * The lexicon scorer: LDNOOBW bad-word lists (npm `naughty-words`, 28 languages, the lists of
 * C4 and datatrove's C4BadWordsFilter), chosen by `doc.metadata.language`.
 *
 * Score: list entries found per 1,000 words (a phrase counts once), so a long document is not
 * scored higher for its length alone. For Chinese, Japanese and Thai, whose entries are matched
 * as substrings, the unit is 1,000 characters (letters, marks and digits) instead of 1,000
 * words: cut-offs are per language, so the unit only has to be the same within a language.
 */

/** The language whose list is used when a document's language has none (C4's default, as in datatrove). */
export const FALLBACK_LIST = 'en';
/** Scripts without spaces: density per 1,000 characters (see above). */
const PER_CHARACTER = new Set(['ja', 'th', 'zh']);
/**
 * Entries that C4 allows because they are common parts of innocent words in languages without
 * spaces ("each filter >10% of documents of their language"): C4's `_BADWORDS_ALLOWLIST`.
 */
const ALLOWLIST: Record<string, string[]> = { ja: ['sm', 'グロ', '女の子'], zh: ['性'] };
/** Quebec French: its own list, added to French when the label says fr-CA. */
const QUEBEC = 'fr-CA-u-sd-caqc';

/** ISO 639-3 (and 639-2/B) codes, as GlotLID labels use them (`deu_Latn`), to the lists' keys. */
const THREE_LETTER: Record<string, string> = {
  ara: 'ar', arb: 'ar', arz: 'ar', ary: 'ar', apc: 'ar', acm: 'ar', ajp: 'ar', aeb: 'ar',
  ces: 'cs', cze: 'cs', dan: 'da', deu: 'de', ger: 'de', eng: 'en', epo: 'eo', spa: 'es',
  fas: 'fa', per: 'fa', pes: 'fa', prs: 'fa', fin: 'fi', fil: 'fil', tgl: 'fil', fra: 'fr',
  fre: 'fr', hin: 'hi', hun: 'hu', ita: 'it', jpn: 'ja', kab: 'kab', kor: 'ko', nld: 'nl',
  dut: 'nl', nor: 'no', nob: 'no', nno: 'no', pol: 'pl', por: 'pt', rus: 'ru', swe: 'sv',
  tha: 'th', tlh: 'tlh', tur: 'tr', zho: 'zh', chi: 'zh', cmn: 'zh', yue: 'zh', wuu: 'zh',
};
/** Two-letter codes that name a language the lists file under another key. */
const TWO_LETTER_ALIASES: Record<string, string> = { nb: 'no', nn: 'no', tl: 'fil' };

/**
 * The list for a language label: `de`, `DE`, `de-CH`, `deu_Latn`, `__label__de` all give `de`;
 * `fr-CA` gives French plus the Quebec list; a label without a list gives English.
 */
export function lexiconListFor(label: unknown): string {
  if (typeof label !== 'string') return FALLBACK_LIST;
  const [base = '', region = ''] = label.replace(/^__label__/, '').toLowerCase().split(/[-_]/);
  if (base === 'fr' && region === 'ca') return 'fr-CA';
  const key = TWO_LETTER_ALIASES[base] ?? THREE_LETTER[base] ?? base;
  return Object.hasOwn(naughtyWords, key) && key !== QUEBEC ? key : FALLBACK_LIST;
}

const matchers = new Map<string, LexiconMatcher>();

/** One compiled matcher per list, shared by every scorer in the process. */
export function lexiconMatcher(list: string): LexiconMatcher {
  let matcher = matchers.get(list);
  if (!matcher) {
    const entries = list === 'fr-CA' ? [...naughtyWords.fr!, ...naughtyWords[QUEBEC]!] : naughtyWords[list];
    if (!entries) throw new Error(`no LDNOOBW list for ${list}`);
    const allowed = new Set(ALLOWLIST[list] ?? []);
    matcher = new LexiconMatcher(entries.filter((entry) => !allowed.has(entry)));
    matchers.set(list, matcher);
  }
  return matcher;
}

/** Entries per 1,000 words (per 1,000 characters for zh, ja, th) of `text` in list `list`. */
export function lexiconDensity(text: string, list: string): number {
  const { matches, words, characters } = lexiconMatcher(list).count(text);
  if (matches === 0) return 0;
  const units = PER_CHARACTER.has(list) ? characters : words;
  return (1000 * matches) / Math.max(units, 1);
}

export function createLexiconScorer(): Scorer {
  return {
    name: 'lexicon',
    score: (doc: Document) => lexiconDensity(doc.text, lexiconListFor(doc.metadata.language)),
  };
}
