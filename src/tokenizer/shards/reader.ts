import { closeSync, openSync, readSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { UserError } from '../../util/errors.js';
import { DTYPES, checkBinSize, decodeIndex, shardPaths, type MegatronIndex, type TokenArray, type TokenDtype } from './megatron.js';

/** Bytes read at once when streaming documents in order. */
const STREAM_BYTES = 8 << 20;

/**
 * A Megatron indexed dataset opened for reading. Node has no mmap in core, so the `.idx` (small:
 * 20 bytes per document) is read whole and checked, and `.bin` ranges are read on demand with
 * positioned reads on an open file descriptor; the OS page cache does what mmap would.
 * Reads are synchronous: a data loader asks for one document at a time, from the page cache.
 */
export class IndexedDataset {
  private fd: number | undefined;

  private constructor(
    readonly prefix: string,
    readonly index: MegatronIndex,
    readonly binBytes: number,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** Open `prefix.idx` and `prefix.bin` (a path ending in `.idx` or `.bin` is taken as its prefix). */
  static async open(prefixOrPath: string): Promise<IndexedDataset> {
    const { prefix, bin, idx } = shardPaths(prefixOrPath);
    const indexBytes = await readFile(idx).catch((err: NodeJS.ErrnoException) => {
      throw new UserError(err.code === 'ENOENT' ? `${idx}: no such file (expected a Megatron dataset prefix with .idx and .bin)` : `${idx}: ${err.message}`);
    });
    const index = decodeIndex(indexBytes, idx);
    const binInfo = await stat(bin).catch(() => {
      throw new UserError(`${bin}: no such file (the .idx has no .bin beside it)`);
    });
    checkBinSize(index, binInfo.size, bin);
    return new IndexedDataset(prefix, index, binInfo.size, openSync(bin, 'r'));
  }

  get dtype(): TokenDtype {
    return this.index.dtype;
  }

  get sequenceCount(): number {
    return this.index.sequenceLengths.length;
  }

  get documentCount(): number {
    return this.index.documentIndices.length - 1;
  }

  /** Tokens in all sequences. */
  get tokenCount(): number {
    let total = 0;
    for (const length of this.index.sequenceLengths) total += length;
    return total;
  }

  /** The tokens of sequence `i`. */
  getSequence(i: number): TokenArray {
    this.checkRange(i, this.sequenceCount, 'sequence');
    const tokens = DTYPES[this.dtype].create(this.index.sequenceLengths[i]!);
    this.readInto(tokens, this.index.sequencePointers[i]!);
    return tokens;
  }

  /** The tokens of document `i`: its sequences, concatenated (one sequence in files we write). */
  getDocument(i: number): TokenArray {
    this.checkRange(i, this.documentCount, 'document');
    const first = this.index.documentIndices[i]!;
    const end = this.index.documentIndices[i + 1]!;
    if (end - first === 1) return this.getSequence(first);
    let length = 0;
    for (let s = first; s < end; s++) length += this.index.sequenceLengths[s]!;
    const tokens = DTYPES[this.dtype].create(length);
    let at = 0;
    for (let s = first; s < end; s++) {
      const part = this.getSequence(s);
      tokens.set(part, at);
      at += part.length;
    }
    return tokens;
  }

  /**
   * Every document in order, reading `.bin` in large chunks (for a pass over the whole dataset;
   * `getDocument` is for random access). The arrays yielded are fresh copies.
   */
  *documents(): Generator<TokenArray> {
    const size = DTYPES[this.dtype].bytes;
    let buffer = new Uint8Array(0);
    let bufferStart = 0;
    for (let i = 0; i < this.documentCount; i++) {
      const first = this.index.documentIndices[i]!;
      const end = this.index.documentIndices[i + 1]!;
      const parts: TokenArray[] = [];
      for (let s = first; s < end; s++) {
        const start = this.index.sequencePointers[s]!;
        const bytes = this.index.sequenceLengths[s]! * size;
        if (start < bufferStart || start + bytes > bufferStart + buffer.length) {
          buffer = new Uint8Array(Math.max(STREAM_BYTES, bytes));
          bufferStart = start;
          const read = this.readBytes(buffer, start);
          buffer = buffer.subarray(0, read);
        }
        const tokens = DTYPES[this.dtype].create(bytes / size);
        new Uint8Array(tokens.buffer).set(buffer.subarray(start - bufferStart, start - bufferStart + bytes));
        parts.push(tokens);
      }
      yield parts.length === 1 ? parts[0]! : concat(parts, this.dtype);
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private checkRange(i: number, count: number, what: string): void {
    if (!Number.isInteger(i) || i < 0 || i >= count) throw new RangeError(`${this.prefix}: ${what} ${i} out of range (0-${count - 1})`);
  }

  private readInto(tokens: TokenArray, position: number): void {
    const bytes = new Uint8Array(tokens.buffer);
    const read = this.readBytes(bytes, position);
    if (read !== bytes.length) throw new UserError(`${this.prefix}.bin: short read at byte ${position} (file changed while open?)`);
  }

  /** Fill `target` from `position` as far as the file goes; returns the bytes read. */
  private readBytes(target: Uint8Array, position: number): number {
    if (this.fd === undefined) throw new Error(`${this.prefix}: dataset is closed`);
    let done = 0;
    while (done < target.length) {
      const n = readSync(this.fd, target, done, target.length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }
}

function concat(parts: TokenArray[], dtype: TokenDtype): TokenArray {
  const out = DTYPES[dtype].create(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
