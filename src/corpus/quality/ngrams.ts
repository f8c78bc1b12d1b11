/**
 * Gopher's n-gram repetition measures, linear in the number of words. Words are interned to
 * integer ids once; n-grams are then counted in an open-addressing hash table over positions,
 * where a slot matches only if the ids are equal, so a hash collision can never merge two
 * different n-grams. (datatrove builds a string per n-gram and position: the same counts, with
 * n times the allocation.)
 */

/** Words as ids (equal words, equal ids) and their lengths. */
export interface InternedWords {
  ids: Int32Array;
  lengths: Int32Array;
}

// One vocabulary for every document: most words recur from one document to the next, and looking
// a word up is cheaper than inserting it into a fresh table. Ids only need to agree within a
// document, so the table is dropped between documents once it grows large.
const vocabulary = new Map<string, number>();
const VOCABULARY_LIMIT = 1 << 22;
/** A Map holds at most 2^24 entries; a document with more tokens is interned in buckets. */
const MAP_CAPACITY = (1 << 24) - 1;

export function internWords(tokens: readonly string[]): InternedWords {
  if (tokens.length > MAP_CAPACITY) return internInBuckets(tokens);
  if (vocabulary.size + tokens.length > VOCABULARY_LIMIT) vocabulary.clear();
  const ids = new Int32Array(tokens.length);
  const lengths = new Int32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    let id = vocabulary.get(token);
    if (id === undefined) {
      id = vocabulary.size;
      vocabulary.set(token, id);
    }
    ids[i] = id;
    lengths[i] = token.length;
  }
  return { ids, lengths };
}

/** For documents of more than 16.7M tokens (~70 MB of text): 256 Maps chosen by a hash of the word. */
export function internInBuckets(tokens: readonly string[]): InternedWords {
  const buckets = Array.from({ length: 256 }, () => new Map<string, number>());
  const ids = new Int32Array(tokens.length);
  const lengths = new Int32Array(tokens.length);
  let next = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    let h = 0x811c9dc5;
    for (let k = 0; k < token.length; k++) h = Math.imul(h ^ token.charCodeAt(k), 0x01000193);
    const bucket = buckets[(h ^ (h >>> 8) ^ (h >>> 16) ^ (h >>> 24)) & 0xff]!;
    let id = bucket.get(token);
    if (id === undefined) bucket.set(token, (id = next++));
    ids[i] = id;
    lengths[i] = token.length;
  }
  return { ids, lengths };
}

// The tables' arrays, reused from one call to the next (calls are synchronous): allocating four
// typed arrays per n and per document cost more than the counting itself.
let slotsBuffer = new Int32Array(1024);
let entryBuffer = new Int32Array(3 * 512);

/** Numbers the distinct n-grams of `ids` in order of first appearance: `entryOf(i)` for position i. */
class NGramTable {
  /** Entry number + 1 per slot, 0 when empty; at most half full. */
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** Per entry e: its first position at [3e], its hash at [3e + 1], its count at [3e + 2]. */
  private readonly entries: Int32Array;
  size = 0;

  constructor(
    private readonly ids: Int32Array,
    private readonly n: number,
  ) {
    const positions = Math.max(ids.length - n + 1, 1);
    let capacity = 16;
    while (capacity < positions * 2) capacity *= 2;
    if (slotsBuffer.length < capacity) slotsBuffer = new Int32Array(capacity);
    if (entryBuffer.length < 3 * positions) entryBuffer = new Int32Array(3 * positions);
    slotsBuffer.fill(0, 0, capacity);
    this.slots = slotsBuffer;
    this.entries = entryBuffer;
    this.mask = capacity - 1;
  }

  first(entry: number): number {
    return this.entries[3 * entry]!;
  }

  count(entry: number): number {
    return this.entries[3 * entry + 2]!;
  }

  increment(entry: number): void {
    this.entries[3 * entry + 2]!++;
  }

  /** The entry of the n-gram at `position`; a new one (numbered `size` before the call) if unseen. */
  entryOf(position: number): number {
    const hash = this.hash(position);
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const stored = this.slots[slot]!;
      if (stored === 0) {
        const entry = this.size++;
        this.slots[slot] = entry + 1;
        this.entries[3 * entry] = position;
        this.entries[3 * entry + 1] = hash;
        this.entries[3 * entry + 2] = 0;
        return entry;
      }
      const entry = stored - 1;
      if (this.entries[3 * entry + 1] === hash && this.equal(this.first(entry), position)) return entry;
    }
  }

  private hash(position: number): number {
    let h = 0x811c9dc5 ^ this.n;
    for (let k = position; k < position + this.n; k++) h = Math.imul(h ^ this.ids[k]!, 0x01000193);
    // Final mix, so that the low bits used for the slot depend on every id.
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    return h ^ (h >>> 13);
  }

  private equal(p: number, q: number): boolean {
    for (let k = 0; k < this.n; k++) if (this.ids[p + k] !== this.ids[q + k]) return false;
    return true;
  }
}

/** Characters of the n-gram at `position` as datatrove joins it: with `separator` between words. */
function nGramLength(words: InternedWords, position: number, n: number, separator: number): number {
  let length = separator * (n - 1);
  for (let k = position; k < position + n; k++) length += words.lengths[k]!;
  return length;
}

/**
 * Gopher's "top n-gram character fraction" numerator: the most frequent n-gram (the first seen
 * among equally frequent ones, as Python's Counter.most_common) times its length with spaces
 * between words; and how often it occurs (1: every n-gram is distinct, and so is every longer
 * one). 0 and 0 when there are fewer than n words.
 */
export function topNGram(words: InternedWords, n: number): { chars: number; count: number } {
  const total = words.ids.length - n + 1;
  if (total <= 0) return { chars: 0, count: 0 };
  const table = new NGramTable(words.ids, n);
  for (let i = 0; i < total; i++) table.increment(table.entryOf(i));
  let best = 0;
  for (let e = 1; e < table.size; e++) if (table.count(e) > table.count(best)) best = e;
  const count = table.count(best);
  return { chars: nGramLength(words, table.first(best), n, 1) * count, count };
}

/** `topNGram` when every n-gram is known to be distinct: the first one, once. */
export function firstNGramChars(words: InternedWords, n: number): number {
  return words.ids.length < n ? 0 : nGramLength(words, 0, n, 1);
}

/**
 * Gopher's "duplicate n-gram character fraction" numerator (datatrove's `find_all_duplicate`):
 * walk the words; an n-gram seen before adds its characters (words joined without spaces) and
 * the walk jumps past it, so overlapping repeats are not counted twice; a new one is remembered.
 * 0 means every n-gram is distinct (the walk never jumped), and so is every longer one.
 */
export function duplicateNGramChars(words: InternedWords, n: number): number {
  const count = words.ids.length;
  if (count < n) return 0;
  const table = new NGramTable(words.ids, n);
  let repeated = 0;
  let i = 0;
  while (i < count - n + 1) {
    const size = table.size;
    if (table.entryOf(i) === size) {
      i += 1;
    } else {
      repeated += nGramLength(words, i, n, 0);
      i += n;
    }
  }
  return repeated;
}
