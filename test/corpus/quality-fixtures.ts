import type { Document } from '../../src/corpus/document.js';
import { resolveLanguage } from '../../src/corpus/quality/language.js';
import { segmentWords } from '../../src/corpus/quality/words.js';
import { declaration } from '../../tools/udhr.js';

/** UDHR declaration file -> the language label the `language` step would write. */
export const UDHR_LANGUAGES: Record<string, string> = {
  eng: 'en',
  deu_1996: 'de',
  fra: 'fr',
  spa: 'es',
  rus: 'ru',
  arb: 'ar',
  hin: 'hi',
  cmn_hans: 'zh',
  jpn: 'ja',
  tha: 'th',
};

export function doc(text: string, language?: string): Document {
  return { id: 'd', text, metadata: language === undefined ? {} : { language } };
}

/**
 * Consecutive UDHR paragraphs (headings included) from article `start` (0: the preamble, whose
 * lines end in commas) until about `words` words, one
 * paragraph a line: clean prose that every filter should keep.
 */
export async function udhrText(code: string, words = 300, start = 1): Promise<string> {
  const blocks = await declaration(code);
  const language = resolveLanguage(UDHR_LANGUAGES[code] ?? 'en');
  const lines: string[] = [];
  let count = 0;
  for (let b = start; count < words; b = (b + 1) % blocks.length) {
    for (const paragraph of blocks[b]!) {
      lines.push(paragraph);
      count += segmentWords(paragraph, language).wordCount;
    }
  }
  return lines.join('\n');
}

/** `count` distinct made-up words (w0a w1b ...), for filler that repeats nothing. */
export function distinctWords(count: number, prefix = 'word'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i.toString(36)}x`);
}
