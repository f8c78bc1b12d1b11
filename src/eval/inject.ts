/**
 * Probe injection (R7, as Apertus's Gutenberg experiment): a new token shard holding the base
 * shards' documents plus `bucket` copies of every probe, each copy a document of its own (the
 * probe's ids, then EOS) at a random document position; the control bucket (0) is not inserted.
 * The manifest is the probe file with `documents`: where each copy went.
 *
 *   base documents  d0 d1 d2 d3 ...          probes  a (bucket 2), b (bucket 1), c (bucket 0)
 *   output          d0 a d1 d2 b d3 a ...    manifest a: [1, 6], b: [4], c: []
 *
 * Positions are uniform over the N + 1 gaps between base documents, from a seeded generator, so a
 * run is reproducible. It composes with `data tokenize` (the base) and `train` (the output is an
 * ordinary Megatron dataset; the trainer shuffles documents per epoch anyway, so the positions
 * matter for bookkeeping, not for what is learnt).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { uniform } from '../model/random.js';
import { dtypeForVocab, IndexedDataset, shardPaths, ShardWriter, type TokenDtype } from '../tokenizer/shards/index.js';
import { UserError } from '../util/errors.js';
import { writeProbes, type Probe } from './probes.js';

export interface InjectOptions {
  /** Megatron prefixes of the base data, read in order (none: the output is the probes alone) */
  base: string[];
  probes: Probe[];
  /** output prefix: PREFIX.bin, PREFIX.idx, PREFIX.probes.jsonl */
  out: string;
  seed?: number;
  /** appended to every copy; null for none; default the base's `eos_id` (PREFIX.stats.json), else 2 */
  eosId?: number | null;
  /** shard dtype when there is no base (default from the largest id) */
  dtype?: TokenDtype;
  overwrite?: boolean;
}

export interface InjectSummary {
  prefix: string;
  manifest: string;
  baseDocuments: number;
  copies: number;
  documents: number;
  tokens: number;
  /** copies per bucket */
  buckets: Record<string, { probes: number; copies: number }>;
}

/** The manifest written beside an injected shard. */
export const manifestPath = (prefix: string): string => `${shardPaths(prefix).prefix}.probes.jsonl`;

async function baseEosId(prefix: string): Promise<number | null | undefined> {
  const stats = `${shardPaths(prefix).prefix}.stats.json`;
  if (!existsSync(stats)) return undefined;
  const parsed = JSON.parse(await readFile(stats, 'utf8')) as { eos_id?: number | null };
  return parsed.eos_id;
}

/**
 * Where the copies go: for each copy (in probe order, bucket times each), the number of base
 * documents before it. Sorted, so the merge below is one pass.
 */
export function copyPositions(baseDocuments: number, probes: readonly Probe[], seed: number): { probe: number; gap: number }[] {
  const random = uniform(seed);
  const copies: { probe: number; gap: number; draw: number }[] = [];
  probes.forEach((p, probe) => {
    for (let c = 0; c < p.bucket; c++) copies.push({ probe, gap: Math.floor(random() * (baseDocuments + 1)), draw: copies.length });
  });
  // Within a gap, the order of the copies is their draw order shuffled by a second draw.
  const tie = copies.map(() => random());
  return copies.sort((a, b) => a.gap - b.gap || tie[a.draw]! - tie[b.draw]!).map(({ probe, gap }) => ({ probe, gap }));
}

export async function injectProbes(options: InjectOptions): Promise<InjectSummary> {
  const prefix = shardPaths(options.out).prefix;
  const manifest = manifestPath(prefix);
  const { bin, idx } = shardPaths(prefix);
  if (!options.overwrite && (existsSync(bin) || existsSync(idx) || existsSync(manifest))) {
    throw new UserError(`${prefix}: the output exists already; choose another --out or pass --overwrite`);
  }
  for (const base of options.base) if (shardPaths(base).prefix === prefix) throw new UserError(`--out ${prefix} is also a base shard`);
  const bases: IndexedDataset[] = [];
  try {
    for (const base of options.base) bases.push(await IndexedDataset.open(base));
    let eosId = options.eosId;
    if (eosId === undefined && options.base.length > 0) eosId = await baseEosId(options.base[0]!);
    if (eosId === undefined) eosId = 2;
    let maxId = eosId ?? 0;
    for (const p of options.probes) for (const id of p.ids) if (id > maxId) maxId = id;
    const dtype: TokenDtype = bases[0]?.dtype ?? options.dtype ?? dtypeForVocab(maxId + 1);
    const baseDocuments = bases.reduce((n, b) => n + b.documentCount, 0);
    const positions = copyPositions(baseDocuments, options.probes, options.seed ?? 0);
    const documents: number[][] = options.probes.map(() => []);
    const writer = await ShardWriter.create(prefix, dtype);
    try {
      let next = 0; // next copy to place
      const placeCopiesBefore = async (gap: number) => {
        while (next < positions.length && positions[next]!.gap === gap) {
          const { probe } = positions[next++]!;
          documents[probe]!.push(writer.documents);
          const ids = options.probes[probe]!.ids;
          await writer.addDocument(eosId === null ? ids : [...ids, eosId]);
        }
      };
      let d = 0;
      for (const base of bases) {
        for (const doc of base.documents()) {
          await placeCopiesBefore(d++);
          await writer.addDocument(doc);
        }
      }
      await placeCopiesBefore(d);
      const summary = await writer.commit();
      const written = options.probes.map((p, i) => ({ ...p, documents: documents[i]! }));
      await writeProbes(manifest, written);
      const buckets: InjectSummary['buckets'] = {};
      for (const p of options.probes) {
        const b = (buckets[String(p.bucket)] ??= { probes: 0, copies: 0 });
        b.probes++;
        b.copies += p.bucket;
      }
      return { prefix, manifest, baseDocuments, copies: positions.length, documents: summary.documents, tokens: summary.tokens, buckets };
    } catch (err) {
      await writer.abort();
      throw err;
    }
  } finally {
    for (const b of bases) b.close();
  }
}
