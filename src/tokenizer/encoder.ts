/**
 * Pre-token -> ids: the BPE hot path. A pre-token's UTF-8 bytes become byte-token ids, merges
 * run on those ids (merges.ts), and the result is cached by the pre-token's text, since in real
 * text most pre-tokens are words seen before.
 */
import { utf8Into } from './bytes.js';
import { MergeScratch, mergeSymbols, type MergeTable } from './merges.js';
import { PieceCache } from './piece-cache.js';

/** Pre-tokens longer than this (UTF-16 units) are not cached: rare, and they would crowd the cache. */
const CACHE_MAX_PIECE = 256;

export interface EncoderTables {
  /** Byte -> id of its one-byte token, -1 when the vocabulary lacks it. */
  byteIds: Int32Array;
  merges: MergeTable;
  /** Ids standing in for a byte whose token is missing (`<0xXX>`, `<unk>`, or none: dropped). */
  missingByte: (byte: number) => number[];
  /** Consecutive `<unk>` ids become one (`fuse_unk`); -1: no unknown token. */
  fuseUnknownId: number;
  /** `ignore_merges`: a pre-token that is a whole vocabulary entry (by its text) is that entry. */
  wholeWords?: Map<string, number>;
}

export class BpeEncoder {
  private readonly scratch = new MergeScratch();
  private symbols = new Int32Array(1024);
  private readonly hasMissing: boolean;
  // Two generations approximate LRU: when `recent` fills up it becomes `older` (the old `older`
  // is emptied and reused), and a hit in `older` is copied back into `recent`.
  private recent: PieceCache;
  private older: PieceCache;

  constructor(
    private readonly tables: EncoderTables,
    cacheSize = 200_000,
  ) {
    this.hasMissing = tables.byteIds.some((id) => id < 0);
    this.recent = new PieceCache(Math.max(16, cacheSize >> 1));
    this.older = new PieceCache(Math.max(16, cacheSize >> 1));
  }

  /** Appends the ids of the pre-token `text[start, end)` to `out`. */
  encodePiece(text: string, start: number, end: number, out: number[]): void {
    const hit = this.recent.find(text, start, end);
    if (hit >= 0) return this.recent.copyIds(hit, out);
    const old = this.older.find(text, start, end);
    const ids = old >= 0 ? this.older.idsOf(old) : this.bpe(text, start, end);
    // Output first: `ids` may view the pool that a new generation is about to overwrite.
    for (let i = 0; i < ids.length; i++) out.push(ids[i]!);
    if (end - start <= CACHE_MAX_PIECE && !this.recent.add(text, start, end, ids)) {
      [this.recent, this.older] = [this.older, this.recent];
      this.recent.clear();
      this.recent.find(text, start, end);
      this.recent.add(text, start, end, ids);
    }
  }

  /** Appends the byte token of each byte in `bytes[start, end)`: for bytes that are not text. */
  encodeRawBytes(bytes: Uint8Array, start: number, end: number, out: number[]): void {
    for (let i = start; i < end; i++) {
      const id = this.tables.byteIds[bytes[i]!]!;
      if (id >= 0) out.push(id);
      else out.push(...this.tables.missingByte(bytes[i]!));
    }
  }

  /** Empties the cache (for benchmarks that want cold-cache figures). */
  clearCache(): void {
    this.recent.clear();
    this.older.clear();
  }

  private bpe(text: string, start: number, end: number): Int32Array {
    const whole = this.tables.wholeWords?.get(text.slice(start, end));
    if (whole !== undefined) return Int32Array.of(whole);
    if (this.symbols.length < (end - start) * 3) this.symbols = new Int32Array((end - start) * 6);
    let n = utf8Into(text, start, end, this.symbols);
    if (this.hasMissing) n = this.mapBytesWithMissing(n);
    else {
      const syms = this.symbols;
      const byteIds = this.tables.byteIds;
      for (let i = 0; i < n; i++) syms[i] = byteIds[syms[i]!]!;
    }
    n = mergeSymbols(this.tables.merges, this.symbols, n, this.scratch);
    // A view: used at once (cached by copy, pushed to the output) before the next piece.
    return this.symbols.subarray(0, n);
  }

  /**
   * Bytes -> ids in `symbols` when some byte tokens are missing (foreign tokenizer.json files
   * only): such a byte becomes its stand-in ids, and runs of `<unk>` fuse when asked.
   */
  private mapBytesWithMissing(n: number): number {
    const { byteIds, missingByte, fuseUnknownId } = this.tables;
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const byte = this.symbols[i]!;
      if (byteIds[byte]! >= 0) ids.push(byteIds[byte]!);
      else for (const id of missingByte(byte)) if (id !== fuseUnknownId || ids[ids.length - 1] !== id) ids.push(id);
    }
    if (this.symbols.length < ids.length) this.symbols = new Int32Array(ids.length * 2);
    this.symbols.set(ids);
    return ids.length;
  }
}
