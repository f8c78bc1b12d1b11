/**
 * One dataset of the mixture: several Megatron shards read as one list of documents (shard order,
 * then document order), with the held-out split and the per-epoch shuffle of its documents.
 */
import { IndexedDataset, type TokenArray } from '../tokenizer/shards/index.js';
import { UserError } from '../util/errors.js';
import { mixWords, SplitMix64 } from './hash64.js';

export class TokenDataset {
  private constructor(
    readonly name: string,
    private readonly shards: IndexedDataset[],
    /** First global document number of each shard, and the total at the end: [shards + 1]. */
    private readonly firstDocument: number[],
    /** Tokens of each document: [documents]. */
    readonly lengths: Int32Array,
  ) {}

  static async open(name: string, prefixes: string[]): Promise<TokenDataset> {
    const shards: IndexedDataset[] = [];
    try {
      for (const prefix of prefixes) shards.push(await IndexedDataset.open(prefix));
    } catch (err) {
      for (const s of shards) s.close();
      throw err;
    }
    const firstDocument = [0];
    for (const s of shards) firstDocument.push(firstDocument[firstDocument.length - 1]! + s.documentCount);
    const lengths = new Int32Array(firstDocument[shards.length]!);
    shards.forEach((s, k) => {
      const { sequenceLengths, documentIndices } = s.index;
      for (let i = 0; i < s.documentCount; i++) {
        let n = 0;
        for (let q = documentIndices[i]!; q < documentIndices[i + 1]!; q++) n += sequenceLengths[q]!;
        lengths[firstDocument[k]! + i] = n;
      }
    });
    return new TokenDataset(name, shards, firstDocument, lengths);
  }

  get documentCount(): number {
    return this.lengths.length;
  }

  get tokenCount(): number {
    let n = 0;
    for (const length of this.lengths) n += length;
    return n;
  }

  /** Shard prefixes, for the loader's fingerprint. */
  get prefixes(): string[] {
    return this.shards.map((s) => s.prefix);
  }

  /** The tokens of global document `i`. */
  document(i: number): TokenArray {
    let k = 0; // the last shard whose first document is <= i (binary search)
    let high = this.shards.length - 1;
    while (k < high) {
      const mid = (k + high + 1) >> 1;
      if (this.firstDocument[mid]! <= i) k = mid;
      else high = mid - 1;
    }
    return this.shards[k]!.getDocument(i - this.firstDocument[k]!);
  }

  close(): void {
    for (const s of this.shards) s.close();
  }
}

/**
 * Whether document `i` is held out: a fixed hash of (salt, i) below `fraction`. It depends on the
 * document's number only, not on the training seed, so reshuffling never leaks validation data.
 */
export function isHeldOut(i: number, fraction: number, salt: number): boolean {
  if (fraction <= 0) return false;
  return mixWords(salt >>> 0, i >>> 0, Math.floor(i / 2 ** 32)).hi / 2 ** 32 < fraction;
}

/** Non-empty documents of `dataset` on one side of the split, in document order: [documents]. */
export function splitDocuments(dataset: TokenDataset, side: 'train' | 'validation', fraction: number, salt: number): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < dataset.documentCount; i++) {
    if (dataset.lengths[i] === 0) continue;
    if (isHeldOut(i, fraction, salt) === (side === 'validation')) out.push(i);
  }
  if (side === 'train' && out.length === 0) throw new UserError(`data.datasets ${dataset.name}: no training tokens in ${dataset.prefixes.join(', ')}`);
  return Int32Array.from(out);
}

/**
 * The document order of `epoch`: a Fisher-Yates shuffle of `documents` seeded by
 * (seed, dataset number, epoch), like Megatron's per-epoch shuffled document index. Rebuilt from
 * its seed on resume, never stored.
 */
export function epochOrder(documents: Int32Array, seed: number, dataset: number, epoch: number): Int32Array {
  const order = documents.slice();
  const random = new SplitMix64(mixWords(seed >>> 0, dataset, epoch));
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.nextInt(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}
