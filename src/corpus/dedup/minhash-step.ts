import { z } from 'zod';
import type { Document } from '../document.js';
import type { GlobalStep } from '../global-step.js';
import { createDedupStep } from './dedup-step.js';
import { nodeId, type DecisionSet } from './decisions.js';
import type { KeyFile } from './key-file.js';
import { mergeSection, sameKey } from './merge.js';
import { MINHASH_DEFAULTS, MinhashSigner } from './minhash.js';
import { UnionFind } from './union-find.js';

/**
 * `minhash_dedup`: near-duplicate removal across the whole run, as datatrove and FineWeb do it
 * (5-word shingles, 14 bands of 8 hashes: pairs above ~0.72 Jaccard similarity are found with
 * probability > 1/2, above 0.9 with > 0.999). Documents sharing any band are linked; each connected
 * cluster keeps its first document by (task, ordinal), i.e. input order.
 */
export const minhashOptions = {
  n_grams: z.number().int().min(1).default(MINHASH_DEFAULTS.nGrams),
  num_buckets: z.number().int().min(1).max(256).default(MINHASH_DEFAULTS.numBuckets),
  hashes_per_bucket: z.number().int().min(1).max(64).default(MINHASH_DEFAULTS.hashesPerBucket),
  seed: z.number().int().min(0).default(MINHASH_DEFAULTS.seed),
  keep: z.enum(['first']).default('first'),
};

export type MinhashOptions = z.output<z.ZodObject<typeof minhashOptions>> & { name?: string };

export const MINHASH_REASON = 'minhash_duplicate';
export const MINHASH_CLUSTER_FIELD = 'minhash_cluster_size';

/** Links documents that share a band key; one union-find over the whole run. */
async function cluster(files: KeyFile[], decisions: DecisionSet, sectionDone: () => void, bands: number): Promise<Record<string, number>> {
  const sets = new UnionFind();
  const key = new Uint32Array(2);
  let pairs = 0;
  for (let band = 0; band < bands; band++) {
    let first = -1;
    await mergeSection(files, band, (task, words, at) => {
      const node = nodeId(task, words[at + 2]!);
      if (first >= 0 && sameKey(words, at, key, 2)) {
        sets.union(first, node);
        pairs++;
      } else {
        key[0] = words[at]!;
        key[1] = words[at + 1]!;
        first = node;
      }
    });
    sectionDone();
  }
  const sizes = new Map<number, number>();
  for (let slot = 0; slot < sets.size; slot++) {
    const root = sets.find(slot);
    sizes.set(root, (sizes.get(root) ?? 0) + 1);
    if (root !== slot) decisions.remove(sets.nodes[slot]!, sets.nodes[root]!);
  }
  for (const [root, size] of sizes) decisions.keep(sets.nodes[root]!, size);
  return { pairs, clusters: sizes.size };
}

export function createMinhashStep(options: MinhashOptions): GlobalStep {
  const config = { nGrams: options.n_grams, numBuckets: options.num_buckets, hashesPerBucket: options.hashes_per_bucket, seed: options.seed };
  return createDedupStep({
    kind: 'minhash_dedup',
    name: options.name ?? 'minhash_dedup',
    params: { ...config, normalise: 'minhash-v1' },
    sections: config.numBuckets,
    keyWords: 2,
    reason: MINHASH_REASON,
    groupSizeField: MINHASH_CLUSTER_FIELD,
    makeKeyer() {
      const signer = new MinhashSigner(config);
      return (doc: Document, keys: Uint32Array): boolean => {
        if (signer.sign(doc.text) === 0) return false;
        // Band keys come as [low, high] words; records sort on [high, low].
        const bandKeys = signer.bandKeys();
        for (let b = 0; b < config.numBuckets; b++) {
          keys[2 * b] = bandKeys[2 * b + 1]!;
          keys[2 * b + 1] = bandKeys[2 * b]!;
        }
        return true;
      };
    },
    group: (files, decisions, sectionDone) => cluster(files, decisions, sectionDone, config.numBuckets),
  });
}
