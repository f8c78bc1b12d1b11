/**
 * A cache from pre-token text to ids that reads the pre-token straight out of the input string
 * (offsets, no substring): in real text most pre-tokens are words seen before, and a lookup that
 * allocates nothing keeps the encoder's hot path free of garbage. Open addressing in typed arrays;
 * the key characters and the ids live in two pools. Full means cleared (`PieceCache` is used in
 * two generations by the encoder, which approximates LRU).
 */

/** Slot layout: hash, key start, key length, ids start, ids length. */
const SLOT = 5;
const EMPTY = -1;

export class PieceCache {
  private readonly slots: Int32Array;
  private readonly mask: number;
  private readonly chars: Uint16Array;
  private readonly ids: Int32Array;
  private charsUsed = 0;
  private idsUsed = 0;
  private count = 0;
  /** Where the last `find` stopped: the hash and the free slot an `add` of that key would take. */
  private lastHash = 0;
  private lastSlot = 0;

  /** Room for `entries` pre-tokens of `meanLength` UTF-16 units on average. */
  constructor(
    readonly entries: number,
    meanLength = 16,
  ) {
    let capacity = 16;
    while (capacity < entries * 2) capacity *= 2;
    this.slots = new Int32Array(capacity * SLOT).fill(EMPTY);
    this.mask = capacity - 1;
    this.chars = new Uint16Array(entries * meanLength);
    this.ids = new Int32Array(entries * Math.max(4, meanLength >> 1));
  }

  get size(): number {
    return this.count;
  }

  /** Index of the entry for `text[start, end)`, or -1 (then `add` may follow for the same key). */
  find(text: string, start: number, end: number): number {
    let h = 0x811c9dc5 ^ (end - start);
    for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    const slots = this.slots;
    const chars = this.chars;
    const length = end - start;
    let slot = (h ^ (h >>> 15)) & this.mask;
    for (;;) {
      const base = slot * SLOT;
      const keyStart = slots[base + 1]!;
      if (keyStart === EMPTY) break;
      if (slots[base] === h && slots[base + 2] === length) {
        let i = 0;
        while (i < length && chars[keyStart + i] === text.charCodeAt(start + i)) i++;
        if (i === length) return base;
      }
      slot = (slot + 1) & this.mask;
    }
    this.lastHash = h;
    this.lastSlot = slot;
    return -1;
  }

  /** Appends the ids of entry `base` (from `find`) to `out`. */
  copyIds(base: number, out: number[]): void {
    const ids = this.ids;
    const from = this.slots[base + 3]!;
    const to = from + this.slots[base + 4]!;
    for (let i = from; i < to; i++) out.push(ids[i]!);
  }

  /**
   * Stores ids for the key of the last `find` that returned -1. Returns false, storing nothing,
   * when the cache is full: the caller then starts a new generation.
   */
  add(text: string, start: number, end: number, ids: ArrayLike<number>): boolean {
    const length = end - start;
    if (this.count * 2 >= this.mask || this.charsUsed + length > this.chars.length || this.idsUsed + ids.length > this.ids.length) return false;
    const base = this.lastSlot * SLOT;
    this.slots[base] = this.lastHash;
    this.slots[base + 1] = this.charsUsed;
    this.slots[base + 2] = length;
    this.slots[base + 3] = this.idsUsed;
    this.slots[base + 4] = ids.length;
    for (let i = 0; i < length; i++) this.chars[this.charsUsed + i] = text.charCodeAt(start + i);
    for (let i = 0; i < ids.length; i++) this.ids[this.idsUsed + i] = ids[i]!;
    this.charsUsed += length;
    this.idsUsed += ids.length;
    this.count++;
    return true;
  }

  /** Ids of entry `base`, to copy into another generation. */
  idsOf(base: number): Int32Array {
    const from = this.slots[base + 3]!;
    return this.ids.subarray(from, from + this.slots[base + 4]!);
  }

  clear(): void {
    this.slots.fill(EMPTY);
    this.charsUsed = this.idsUsed = this.count = 0;
  }
}
