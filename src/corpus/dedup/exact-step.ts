import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Document } from '../document.js';
import type { GlobalStep } from '../global-step.js';
import { createDedupStep } from './dedup-step.js';
import { nodeId, type DecisionSet } from './decisions.js';
import type { KeyFile } from './key-file.js';
import { mergeSection, sameKey } from './merge.js';
import { normaliseText, normaliseWhitespace } from './normalise.js';

/**
 * `exact_dedup`: removes every copy of a text but the first by (task, ordinal), i.e. input order.
 * The key is 128 bits of SHA-256 of the normalised field: a chance collision needs ~2^64
 * documents, and unlike MD5 no one can craft two texts that collide to get one removed.
 */
export const exactDedupOptions = {
  /** `full`: MinHash's normalisation; `whitespace`: lower-case and collapsed whitespace; `none`: as is. */
  normalise: z.enum(['full', 'whitespace', 'none']).default('full'),
  /** `text`, `id`, `url`, `source`, or `metadata.NAME` (a string field; documents without it are skipped). */
  field: z.string().regex(/^(text|id|url|source|metadata\..+)$/, 'text, id, url, source or metadata.NAME').default('text'),
};

export type ExactDedupOptions = z.output<z.ZodObject<typeof exactDedupOptions>> & { name?: string };

export const EXACT_REASON = 'exact_duplicate';
export const EXACT_COUNT_FIELD = 'exact_dup_count';

const NORMALISERS: Record<ExactDedupOptions['normalise'], (text: string) => string> = {
  full: normaliseText,
  whitespace: normaliseWhitespace,
  none: (text) => text,
};

function fieldReader(field: string): (doc: Document) => unknown {
  if (field.startsWith('metadata.')) {
    const name = field.slice('metadata.'.length);
    return (doc) => doc.metadata[name];
  }
  return (doc) => doc[field as 'text' | 'id' | 'url' | 'source'];
}

/** Consecutive equal keys (in merged order) form a group; its first record is kept. */
async function groupEqual(files: KeyFile[], decisions: DecisionSet, sectionDone: () => void): Promise<Record<string, number>> {
  const key = new Uint32Array(4);
  let first = -1;
  let size = 0;
  let groups = 0;
  const close = (): void => {
    if (size > 1) {
      decisions.keep(first, size);
      groups++;
    }
  };
  await mergeSection(files, 0, (task, words, at) => {
    const node = nodeId(task, words[at + 4]!);
    if (first >= 0 && sameKey(words, at, key, 4)) {
      decisions.remove(node, first);
      size++;
      return;
    }
    close();
    key.set(words.subarray(at, at + 4));
    first = node;
    size = 1;
  });
  close();
  sectionDone();
  return { groups };
}

export function createExactDedupStep(options: ExactDedupOptions): GlobalStep {
  const normalise = NORMALISERS[options.normalise];
  const read = fieldReader(options.field);
  return createDedupStep({
    kind: 'exact_dedup',
    name: options.name ?? 'exact_dedup',
    params: { normalise: options.normalise, field: options.field, hash: 'sha256-128' },
    sections: 1,
    keyWords: 4,
    reason: EXACT_REASON,
    groupSizeField: EXACT_COUNT_FIELD,
    makeKeyer() {
      return (doc: Document, keys: Uint32Array): boolean => {
        const value = read(doc);
        if (typeof value !== 'string') return false;
        const text = normalise(value);
        // Empty after normalisation: not a copy of anything (the quality filters judge it).
        if (text.length === 0) return false;
        const digest = createHash('sha256').update(text).digest();
        for (let w = 0; w < 4; w++) keys[w] = digest.readUInt32BE(4 * w);
        return true;
      };
    },
    group: groupEqual,
  });
}
