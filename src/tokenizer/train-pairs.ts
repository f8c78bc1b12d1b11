/**
 * The two data structures of the merge phase: a table of adjacent symbol pairs with their counts,
 * and a max-queue of merge candidates with lazy invalidation.
 */

/**
 * Pairs (left, right) of symbol ids -> dense pair ids, each with a count (occurrences weighted by
 * word counts; a float, since counts over a large corpus pass 2^31). Open addressing on the two
 * int keys: a JS Map keyed by `left * 2^21 + right` is several times slower, because such keys
 * leave V8's small-integer range and hash as heap numbers.
 */
export class PairTable {
  left = new Int32Array(1 << 12);
  right = new Int32Array(1 << 12);
  count = new Float64Array(1 << 12);
  size = 0;
  /** Pair id + 1 per slot, 0 when free; kept at most half full. */
  private slots = new Int32Array(1 << 13);

  /** The id of (left, right), added with count 0 when new. */
  id(left: number, right: number): number {
    const mask = this.slots.length - 1;
    for (let slot = hash(left, right) & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot]!;
      if (entry === 0) return this.insert(slot, left, right);
      const id = entry - 1;
      if (this.left[id] === left && this.right[id] === right) return id;
    }
  }

  /** Adds `delta` to the count of (left, right); returns the pair's id. */
  add(left: number, right: number, delta: number): number {
    const id = this.id(left, right);
    this.count[id] += delta;
    return id;
  }

  private insert(slot: number, left: number, right: number): number {
    const id = this.size++;
    if (id === this.left.length) this.growColumns();
    this.left[id] = left;
    this.right[id] = right;
    this.slots[slot] = id + 1;
    if (this.size * 2 > this.slots.length) this.rehash();
    return id;
  }

  private growColumns(): void {
    const n = this.left.length * 2;
    const left = new Int32Array(n);
    const right = new Int32Array(n);
    const count = new Float64Array(n);
    left.set(this.left);
    right.set(this.right);
    count.set(this.count);
    [this.left, this.right, this.count] = [left, right, count];
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    const mask = this.slots.length - 1;
    for (let id = 0; id < this.size; id++) {
      let slot = hash(this.left[id]!, this.right[id]!) & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = id + 1;
    }
  }
}

function hash(left: number, right: number): number {
  let h = Math.imul(left, 0x9e3779b1) ^ right;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

/**
 * A merge candidate as it was when queued: the pair, its count then, and the words it was seen in
 * (a superset of the words that still hold it; words that lost it are skipped when merging).
 */
export interface Candidate {
  count: number;
  left: number;
  right: number;
  /** Id of (left, right) in the PairTable. */
  pair: number;
  words: ArrayLike<number>;
}

/**
 * Binary max-heap of candidates: the highest count first; equal counts by the smaller
 * (left, right) id pair first, the order of Hugging Face `tokenizers`' trainer. Counts go stale as
 * merges change them; the trainer re-checks the top against the pair table (lazy invalidation).
 */
export class CandidateQueue {
  private readonly heap: Candidate[];

  constructor(candidates: Candidate[] = []) {
    this.heap = candidates;
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  get length(): number {
    return this.heap.length;
  }

  push(candidate: Candidate): void {
    this.heap.push(candidate);
    this.up(this.heap.length - 1);
  }

  pop(): Candidate | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (this.heap.length > 0 && last !== undefined) {
      this.heap[0] = last;
      this.down(0);
    }
    return top;
  }

  private up(i: number): void {
    const item = this.heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(item, this.heap[parent]!)) break;
      this.heap[i] = this.heap[parent]!;
      i = parent;
    }
    this.heap[i] = item;
  }

  private down(i: number): void {
    const n = this.heap.length;
    const item = this.heap[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && before(this.heap[child + 1]!, this.heap[child]!)) child++;
      if (!before(this.heap[child]!, item)) break;
      this.heap[i] = this.heap[child]!;
      i = child;
    }
    this.heap[i] = item;
  }
}

/** Whether `a` comes out of the queue before `b`. */
function before(a: Candidate, b: Candidate): boolean {
  if (a.count !== b.count) return a.count > b.count;
  if (a.left !== b.left) return a.left < b.left;
  return a.right < b.right;
}
