/**
 * BPE merging on token ids. A merge table maps a pair of ids to its rank (position in the merge
 * list; lower merges first) and the id of the merged token. `mergeSymbols` applies merges to a
 * word the way Hugging Face `tokenizers` (and tiktoken) do: repeatedly merge the adjacent pair of
 * lowest rank, the leftmost one on ties, until no adjacent pair has a merge.
 */

const EMPTY = -1;
const NO_RANK = 0x7fffffff;
/** Heap keys pack rank * 2^32 + position into one float64, exact while rank < 2^21. */
const POSITION_SPAN = 2 ** 32;
export const MAX_MERGES = 2 ** 21;
/** Words up to this many symbols use the quadratic scan, which beats the heap on short words. */
const SHORT_WORD = 96;

/** Open-addressing hash table: (left id, right id) -> (rank, merged id), in one Int32Array. */
export class MergeTable {
  /** Slot k holds left, right, rank, merged at 4k .. 4k+3; left = -1 marks an empty slot. */
  readonly data: Int32Array;
  private readonly mask: number;

  constructor(capacity: number) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.data = new Int32Array(slots * 4).fill(EMPTY);
    this.mask = slots - 1;
  }

  /** Adds or replaces the merge of (left, right): a later duplicate wins, as in `tokenizers`. */
  set(left: number, right: number, rank: number, merged: number): void {
    let slot = this.home(left, right);
    const data = this.data;
    while (data[slot * 4] !== EMPTY && (data[slot * 4] !== left || data[slot * 4 + 1] !== right)) slot = (slot + 1) & this.mask;
    data.set([left, right, rank, merged], slot * 4);
  }

  /** Index into `data` of the pair's entry (rank at +2, merged id at +3), or -1. */
  find(left: number, right: number): number {
    const data = this.data;
    let slot = this.home(left, right);
    for (;;) {
      const base = slot * 4;
      const l = data[base]!;
      if (l === left && data[base + 1] === right) return base;
      if (l === EMPTY) return -1;
      slot = (slot + 1) & this.mask;
    }
  }

  private home(left: number, right: number): number {
    let h = Math.imul(left, 0x9e3779b1) ^ right;
    h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
    return (h ^ (h >>> 13)) & this.mask;
  }
}

/** Scratch arrays reused across words, grown on demand. */
export class MergeScratch {
  ranks = new Int32Array(256);
  slots = new Int32Array(256);
  next = new Int32Array(256);
  prev = new Int32Array(256);
  heap = new Float64Array(768);

  ensure(n: number): void {
    if (this.ranks.length >= n) return;
    const size = Math.max(n, this.ranks.length * 2);
    this.ranks = new Int32Array(size);
    this.slots = new Int32Array(size);
    this.next = new Int32Array(size);
    this.prev = new Int32Array(size);
    this.heap = new Float64Array(size * 3);
  }
}

/** Merges the ids `syms[0, n)` in place; returns the number of ids left at the front of `syms`. */
export function mergeSymbols(table: MergeTable, syms: Int32Array, n: number, scratch: MergeScratch): number {
  if (n < 2) return n;
  scratch.ensure(n);
  return n <= SHORT_WORD ? mergeShort(table, syms, n, scratch) : mergeLong(table, syms, n, scratch);
}

/** O(n^2): scan for the lowest-ranked pair, merge it, shift the tail left by one. */
function mergeShort(table: MergeTable, syms: Int32Array, n: number, scratch: MergeScratch): number {
  const { ranks, slots } = scratch;
  const data = table.data;
  for (let i = 0; i < n - 1; i++) {
    const slot = table.find(syms[i]!, syms[i + 1]!);
    slots[i] = slot;
    ranks[i] = slot < 0 ? NO_RANK : data[slot + 2]!;
  }
  let length = n;
  for (;;) {
    let best = NO_RANK;
    let at = -1;
    for (let i = 0; i < length - 1; i++) {
      if (ranks[i]! < best) {
        best = ranks[i]!;
        at = i;
      }
    }
    if (at < 0) return length;
    syms[at] = data[slots[at]! + 3]!;
    // Pair j now holds what pair j + 1 held, for every pair right of the merged one.
    for (let j = at + 1; j < length - 1; j++) {
      syms[j] = syms[j + 1]!;
      ranks[j] = ranks[j + 1]!;
      slots[j] = slots[j + 1]!;
    }
    length--;
    for (let j = Math.max(0, at - 1); j <= at && j < length - 1; j++) {
      const slot = table.find(syms[j]!, syms[j + 1]!);
      slots[j] = slot;
      ranks[j] = slot < 0 ? NO_RANK : data[slot + 2]!;
    }
  }
}

/**
 * O(n log n): symbols in a linked list, candidate pairs in a min-heap keyed by (rank, position).
 * A popped pair is stale when its left symbol died or its right neighbour changed since the push;
 * the table lookup then gives a different rank (or none), and the entry is dropped.
 */
function mergeLong(table: MergeTable, syms: Int32Array, n: number, scratch: MergeScratch): number {
  const { next, prev, heap } = scratch;
  const data = table.data;
  let size = 0;
  const push = (key: number) => {
    let i = size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= key) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = key;
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap[--size]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && heap[child + 1]! < heap[child]!) child++;
      if (heap[child]! >= last) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  };
  const pushPair = (pos: number) => {
    const slot = table.find(syms[pos]!, syms[next[pos]!]!);
    if (slot >= 0) push(data[slot + 2]! * POSITION_SPAN + pos);
  };
  for (let i = 0; i < n; i++) {
    prev[i] = i - 1;
    next[i] = i + 1;
  }
  for (let i = 0; i < n - 1; i++) pushPair(i);
  while (size > 0) {
    const key = pop();
    const rank = Math.floor(key / POSITION_SPAN);
    const pos = key - rank * POSITION_SPAN;
    const right = next[pos]!;
    if (syms[pos]! < 0 || right >= n) continue;
    const slot = table.find(syms[pos]!, syms[right]!);
    if (slot < 0 || data[slot + 2] !== rank) continue;
    syms[pos] = data[slot + 3]!;
    syms[right] = -1;
    next[pos] = next[right]!;
    if (next[pos]! < n) prev[next[pos]!] = pos;
    if (prev[pos]! >= 0) pushPair(prev[pos]!);
    if (next[pos]! < n) pushPair(pos);
  }
  // Position 0 never dies (a merge keeps its left symbol), so the list starts there.
  let length = 0;
  for (let i = 0; i < n; i = next[i]!) syms[length++] = syms[i]!;
  return length;
}
