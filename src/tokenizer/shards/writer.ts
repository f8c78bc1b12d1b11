import { open, mkdir, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UserError } from '../../util/errors.js';
import { temporaryPath } from '../../util/fs.js';
import { DTYPES, densePointers, encodeIndex, shardPaths, type TokenArray, type TokenDtype } from './megatron.js';

/** What a committed shard holds. */
export interface ShardSummary {
  prefix: string;
  dtype: TokenDtype;
  documents: number;
  tokens: number;
}

/** Tokens buffered before a write to `.bin`: 1 Mi tokens, 2-4 MiB. */
const CHUNK_TOKENS = 1 << 20;

/** The largest id each writable dtype holds. */
const MAX_ID: Partial<Record<TokenDtype, number>> = { uint16: 0xffff, int32: 0x7fffffff };

/**
 * Writes one Megatron indexed dataset, one sequence per document (so document i is sequence i),
 * as Megatron-LM's `tools/preprocess_data.py` does for GPT data without sentence splitting.
 * Tokens stream to `.bin` in chunks; the index stays in memory (4 bytes per document) and is
 * written at `commit`. Both files live under temporary names until `commit` renames them, so a
 * killed run never leaves a half-written shard under the real name.
 */
export class ShardWriter {
  private readonly chunk: TokenArray;
  private filled = 0;
  private lengths = new Int32Array(1024);
  private count = 0;
  private tokenCount = 0;
  private closed = false;

  private constructor(
    readonly prefix: string,
    readonly dtype: TokenDtype,
    private readonly file: FileHandle,
    private readonly tmpBin: string,
  ) {
    this.chunk = DTYPES[dtype].create(CHUNK_TOKENS);
  }

  /** Start a shard at `prefix` (`prefix.bin`, `prefix.idx`). Only uint16 and int32 are written. */
  static async create(prefix: string, dtype: TokenDtype): Promise<ShardWriter> {
    if (MAX_ID[dtype] === undefined) throw new UserError(`cannot write ${dtype} shards: token shards are uint16 or int32`);
    const { bin } = shardPaths(prefix);
    await mkdir(dirname(bin), { recursive: true });
    const tmpBin = temporaryPath(bin);
    return new ShardWriter(prefix, dtype, await open(tmpBin, 'w'), tmpBin);
  }

  get documents(): number {
    return this.count;
  }

  get tokens(): number {
    return this.tokenCount;
  }

  /** Append one document (possibly empty: a sequence of length 0). */
  async addDocument(ids: ArrayLike<number>): Promise<void> {
    if (this.closed) throw new Error(`${this.prefix}: shard already committed or aborted`);
    if (ids.length > 0x7fffffff) throw new UserError(`${this.prefix}: document ${this.count} has ${ids.length} tokens, more than an int32 length holds`);
    const max = MAX_ID[this.dtype]!;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      // A typed array would wrap an out-of-range id silently into another token.
      if (!Number.isInteger(id) || id < 0 || id > max) {
        throw new UserError(`${this.prefix}: token id ${id} in document ${this.count} does not fit ${this.dtype} (0-${max}); is the vocabulary larger than the shard's dtype allows?`);
      }
      this.chunk[this.filled++] = id;
      if (this.filled === CHUNK_TOKENS) await this.flush();
    }
    if (this.count === this.lengths.length) {
      const grown = new Int32Array(this.lengths.length * 2);
      grown.set(this.lengths);
      this.lengths = grown;
    }
    this.lengths[this.count++] = ids.length;
    this.tokenCount += ids.length;
  }

  private async flush(): Promise<void> {
    if (this.filled === 0) return;
    const bytes = new Uint8Array(this.chunk.buffer, 0, this.filled * DTYPES[this.dtype].bytes);
    await this.file.write(bytes);
    this.filled = 0;
  }

  /** Write the index and rename both files into place (`.bin` first: see README). */
  async commit(): Promise<ShardSummary> {
    if (this.closed) throw new Error(`${this.prefix}: shard already committed or aborted`);
    const { bin, idx } = shardPaths(this.prefix);
    const tmpIdx = temporaryPath(idx);
    try {
      await this.flush();
      await this.file.close();
      this.closed = true;
      const lengths = this.lengths.slice(0, this.count);
      const documentIndices = Float64Array.from({ length: this.count + 1 }, (_, i) => i);
      await writeFile(tmpIdx, encodeIndex({ dtype: this.dtype, sequenceLengths: lengths, sequencePointers: densePointers(lengths, this.dtype), documentIndices }));
      await rename(this.tmpBin, bin);
      await rename(tmpIdx, idx);
    } catch (err) {
      await this.abort();
      await rm(tmpIdx, { force: true });
      throw err;
    }
    return { prefix: this.prefix, dtype: this.dtype, documents: this.count, tokens: this.tokenCount };
  }

  /** Drop the shard: nothing is left under either name. */
  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await this.file.close().catch(() => undefined);
    }
    await rm(this.tmpBin, { force: true });
  }
}
