/**
 * The merge phase of byte-level BPE training, on the pre-token counts of train-counts.ts.
 *
 * It follows Hugging Face `tokenizers`' BpeTrainer step for step, so that the same counts give the
 * same vocabulary, ids and merges:
 * - ids: special tokens first (0..n-1), then the 256 byte tokens ordered by the code point of
 *   their byte-level character (bytes `!`..`~`, `¡`..`¬`, `®`..`ÿ`, then the remapped bytes
 *   0x00-0x20, 0x7f-0xa0, 0xad), then one id per new token in merge order;
 * - each step merges the pair with the highest count; ties go to the smallest (left id, right id),
 *   compared left first. Ids follow merge order, so older (shorter, more frequent) pieces win;
 * - a merge whose result already exists (reached earlier by another split) reuses its id and adds
 *   no token, but is still a merge;
 * - training stops at `vocabSize` tokens (special tokens included), when no pair is left, or when
 *   the best pair occurs fewer than `minFrequency` times (the vocabulary then ends up smaller).
 *
 * Algorithm: every word (distinct pre-token) is an array of symbol ids with a count; a table of
 * pair counts; a max-queue of candidates, each with the words it occurs in. Popping a candidate
 * whose count is stale re-queues it with the current count; merging rewrites only the words listed
 * and updates the counts of the neighbouring pairs, so a step costs what it changes.
 */
import { UserError } from '../util/errors.js';
import { BYTE_TO_CHAR, utf8Into } from './bytes.js';
import { CandidateQueue, PairTable, type Candidate } from './train-pairs.js';
import type { BpeModel, SpecialToken } from './types.js';

export interface MergeProgress {
  phase: 'merge';
  /** Merges learned so far. */
  merges: number;
  /** Merges needed to reach the vocabulary size (fewer when training stops early). */
  target: number;
}

export interface MergeOptions {
  /** Size of the final vocabulary, special tokens and the 256 byte tokens included. */
  vocabSize: number;
  /** Their ids must be 0..n-1; they come before every other token. */
  specialTokens: SpecialToken[];
  /** Pairs seen fewer times than this are never merged. */
  minFrequency: number;
  /** Stored in the model: the regex the counts were made with. */
  pattern: string;
  onProgress?(progress: MergeProgress): void;
}

/** Every distinct pre-token with two or more bytes, as symbol ids: word w is
 *  `symbols[start[w] .. start[w] + length[w])`; merges shorten it in place. */
interface Words {
  symbols: Int32Array;
  start: Int32Array;
  length: Int32Array;
  count: Float64Array;
}

/** Throws when the options cannot give a valid vocabulary; the special tokens sorted by id. */
export function checkMergeOptions(options: Pick<MergeOptions, 'vocabSize' | 'specialTokens' | 'minFrequency'>): SpecialToken[] {
  const specials = [...options.specialTokens].sort((a, b) => a.id - b.id);
  specials.forEach((token, i) => {
    if (token.id !== i) throw new UserError(`special tokens must have the ids 0..${specials.length - 1}; "${token.content}" has ${token.id}`);
  });
  if (new Set(specials.map((t) => t.content)).size !== specials.length) throw new UserError('special tokens must be distinct');
  const least = specials.length + 256;
  if (!Number.isInteger(options.vocabSize) || options.vocabSize < least) {
    throw new UserError(`vocabulary size must be a whole number >= ${least} (${specials.length} special tokens + 256 bytes), got ${options.vocabSize}`);
  }
  if (!(options.minFrequency >= 0)) throw new UserError(`minimum frequency must be >= 0, got ${options.minFrequency}`);
  return specials;
}

/** Learns merges on `counts` (pre-token -> occurrences) until the vocabulary is full. */
export function learnMerges(counts: Map<string, number>, options: MergeOptions): BpeModel {
  const specials = checkMergeOptions(options);
  const tokens = specials.map((t) => t.content);
  const ids = new Map(tokens.map((t, id) => [t, id]));
  const byteIds = new Int32Array(256);
  for (const byte of bytesByCodePoint()) byteIds[byte] = intern(BYTE_TO_CHAR[byte]!, tokens, ids);

  const merges: [number, number, number][] = [];
  const target = options.vocabSize - tokens.length;
  const report = () => options.onProgress?.({ phase: 'merge', merges: merges.length, target });
  report();
  const words = toWords(counts, byteIds);
  const pairs = new PairTable();
  const queue = new CandidateQueue(countPairs(words, pairs));
  while (tokens.length < options.vocabSize) {
    const top = queue.pop();
    if (top === undefined) break;
    const count = pairs.count[top.pair]!;
    if (top.count !== count) {
      top.count = count;
      queue.push(top);
      continue;
    }
    if (count < 1 || count < options.minFrequency) break;
    const id = intern(tokens[top.left]! + tokens[top.right]!, tokens, ids);
    merges.push([top.left, top.right, id]);
    for (const candidate of mergeEverywhere(words, pairs, top, id)) queue.push(candidate);
    if (merges.length % 256 === 0) report();
  }
  report();
  return toModel(tokens, byteIds, merges, specials, options.pattern);
}

function intern(token: string, tokens: string[], ids: Map<string, number>): number {
  let id = ids.get(token);
  if (id === undefined) {
    id = tokens.length;
    tokens.push(token);
    ids.set(token, id);
  }
  return id;
}

/** The 256 bytes ordered by the code point of their byte-level character. */
function bytesByCodePoint(): number[] {
  return Array.from({ length: 256 }, (_, b) => b).sort((a, b) => BYTE_TO_CHAR[a]!.codePointAt(0)! - BYTE_TO_CHAR[b]!.codePointAt(0)!);
}

function toWords(counts: Map<string, number>, byteIds: Int32Array): Words {
  let total = 0;
  let n = 0;
  for (const piece of counts.keys()) {
    const bytes = Buffer.byteLength(piece, 'utf8');
    // One byte has no pair to merge: leave it out.
    if (bytes > 1) (total += bytes), n++;
  }
  const words: Words = { symbols: new Int32Array(total), start: new Int32Array(n), length: new Int32Array(n), count: new Float64Array(n) };
  let scratch = new Int32Array(256);
  let w = 0;
  let at = 0;
  for (const [piece, count] of counts) {
    if (scratch.length < piece.length * 3) scratch = new Int32Array(piece.length * 3);
    const length = utf8Into(piece, 0, piece.length, scratch);
    if (length < 2) continue;
    for (let i = 0; i < length; i++) words.symbols[at + i] = byteIds[scratch[i]!]!;
    words.start[w] = at;
    words.length[w] = length;
    words.count[w++] = count;
    at += length;
  }
  return words;
}

/** Counts every adjacent pair; one candidate per pair, with the words that hold it. */
function countPairs(words: Words, pairs: PairTable): Candidate[] {
  const { symbols, start, length, count } = words;
  // Two passes over the words: first the number of words per pair, then the lists, packed in
  // one array (a JS array per pair would cost several times the memory).
  const holders: number[] = [];
  const lastWord: number[] = [];
  const forEachPair = (visit: (pair: number, w: number) => void) => {
    for (let w = 0; w < start.length; w++) {
      const end = start[w]! + length[w]!;
      for (let i = start[w]!; i + 1 < end; i++) visit(pairs.id(symbols[i]!, symbols[i + 1]!), w);
    }
  };
  forEachPair((pair, w) => {
    pairs.count[pair] += count[w]!;
    if (pair === holders.length) holders.push(0), lastWord.push(-1);
    if (lastWord[pair] !== w) (lastWord[pair] = w), holders[pair]!++;
  });
  const offsets = new Int32Array(holders.length + 1);
  for (let p = 0; p < holders.length; p++) offsets[p + 1] = offsets[p]! + holders[p]!;
  const lists = new Int32Array(offsets[holders.length]!);
  const filled = offsets.slice(0, holders.length);
  lastWord.fill(-1);
  forEachPair((pair, w) => {
    if (lastWord[pair] !== w) (lastWord[pair] = w), (lists[filled[pair]!++] = w);
  });
  return holders.map((_, p) => ({ count: pairs.count[p]!, left: pairs.left[p]!, right: pairs.right[p]!, pair: p, words: lists.subarray(offsets[p]!, offsets[p + 1]!) }));
}

/**
 * Replaces (left, right) by `id` in the candidate's words, left to right without overlaps
 * (`a a a` -> `aa a`), updating the counts of the pairs around each occurrence. Returns one new
 * candidate per pair that gained occurrences, with the words where it did. The merged pair's own
 * count is left as it is, as in `tokenizers`: new pairs all hold the new id, so it does not return.
 */
function mergeEverywhere(words: Words, pairs: PairTable, top: Candidate, id: number): Candidate[] {
  const { symbols, start, length, count } = words;
  const { left, right } = top;
  const gained = new Map<number, number[]>();
  const gain = (pair: number, w: number) => {
    const list = gained.get(pair);
    if (list === undefined) gained.set(pair, [w]);
    else if (list[list.length - 1] !== w) list.push(w);
  };
  for (let k = 0; k < top.words.length; k++) {
    const w = top.words[k]!;
    const first = start[w]!;
    const end = first + length[w]!;
    const c = count[w]!;
    let out = first;
    for (let i = first; i < end; ) {
      if (symbols[i] !== left || i + 1 >= end || symbols[i + 1] !== right) {
        symbols[out++] = symbols[i++]!;
        continue;
      }
      if (out > first) {
        const before = symbols[out - 1]!;
        pairs.add(before, left, -c);
        gain(pairs.add(before, id, c), w);
      }
      if (i + 2 < end) {
        const after = symbols[i + 2]!;
        pairs.add(right, after, -c);
        gain(pairs.add(id, after, c), w);
      }
      symbols[out++] = id;
      i += 2;
    }
    length[w] = out - first;
  }
  const candidates: Candidate[] = [];
  for (const [pair, list] of gained) {
    const n = pairs.count[pair]!;
    if (n > 0) candidates.push({ count: n, left: pairs.left[pair]!, right: pairs.right[pair]!, pair, words: list });
  }
  return candidates;
}

function toModel(tokens: string[], byteIds: Int32Array, merges: [number, number, number][], specials: SpecialToken[], pattern: string): BpeModel {
  const vocab = new Map<string, number>();
  for (let id = specials.length; id < tokens.length; id++) vocab.set(tokens[id]!, id);
  // A byte or merge result spelled like a special token shares its id (as in `tokenizers`); keep
  // it in the vocabulary so the merge can be applied. Only possible with a custom pattern.
  for (let b = 0; b < 256; b++) if (byteIds[b]! < specials.length) vocab.set(BYTE_TO_CHAR[b]!, byteIds[b]!);
  for (const [, , id] of merges) if (id < specials.length) vocab.set(tokens[id]!, id);
  // The same pair merged twice (possible only after a reused id) keeps its last rank, as in the
  // merge list `tokenizers` saves.
  const seen = new Set<string>();
  const kept: [string, string][] = [];
  for (let i = merges.length - 1; i >= 0; i--) {
    const [left, right] = merges[i]!;
    const key = `${left},${right}`;
    if (!seen.has(key)) seen.add(key), kept.push([tokens[left]!, tokens[right]!]);
  }
  return { vocab, merges: kept.reverse(), specialTokens: specials.map((t) => ({ ...t })), pattern };
}
