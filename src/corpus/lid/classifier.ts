import { utf8Into } from '../../util/utf8.js';
import { QuantMatrix, type Matrix } from './matrix.js';
import type { FastTextModelData } from './model-file.js';
import { OutputLayer } from './output.js';

/**
 * fastText's supervised prediction (FastText::predictLine) in TypeScript: the same tokens, the
 * same hashed character n-grams and word n-grams, the same average of input rows, and the same
 * hierarchical-softmax, softmax or one-vs-all output (output.ts), so that labels and scores match
 * the C++ library's to float precision (test/corpus/lid-parity.test.ts checks it against fastText
 * compiled to WASM). Labels whose scores tie exactly may come in another order: C++ leaves that
 * to its heap implementation.
 *
 * One difference makes it fast: a token's input features do not depend on its neighbours, so the
 * sum of its rows is computed once and kept (natural text repeats its words), where fastText
 * re-hashes every n-gram of every token. A text whose words are all new costs about what it
 * costs fastText (bench/language.ts).
 */

const EOS = '</s>';
const LABEL_PREFIX = '__label__';
/** The bytes fastText splits tokens on (Dictionary::readWord). */
const SEPARATORS = /[ \n\r\t\v\f\0]+/;
/** Memory for cached token sums, per model and thread. */
const CACHE_BYTES = 32 * 1024 * 1024;
/** Quantized matrices up to this many values are decoded once at load (4 bytes each): faster rows. */
const MAX_DECODED = 1 << 24;
/** Pruned models with up to this many hash buckets get a direct bucket -> row array (4 bytes each). */
const MAX_BUCKET_ARRAY = 1 << 26;
const FNV_OFFSET = 2166136261 | 0;
const FNV_PRIME = 16777619;
const WORD_NGRAM_PRIME = 116049371n;

/** FNV-1a over one byte as fastText hashes it: the byte sign-extended, as a signed char. */
function fnv(hash: number, byte: number): number {
  return Math.imul(hash ^ ((byte << 24) >> 24), FNV_PRIME);
}

/** Cached tokens and, one after another in `sums`, their row sums: one allocation, not one per word. */
interface Generation {
  tokens: Map<string, TokenFeatures>;
  sums: Float64Array;
}

interface TokenFeatures {
  /** Labels in the text (`__label__xx`) are not features. */
  label: boolean;
  /** FNV-1a of the token's bytes, as an int32 (for word n-grams). */
  hash: number;
  rows: number;
  /** Where the sum of the token's input rows (dim) starts in its generation's `sums`. */
  offset: number;
}

export interface ClassifierPrediction {
  /** Index into the model's labels. */
  index: number;
  probability: number;
}

export class FastTextClassifier {
  private readonly wordIds = new Map<string, number>();
  /**
   * Tokens seen lately, in two generations: when the young one is full it becomes the old one and
   * the old one is dropped; a token found in the old generation moves to the young one. Frequent
   * words thus stay however large the vocabulary grows, in bounded memory.
   */
  private young: Generation;
  private old: Generation;
  private readonly generationSize: number;
  /** Input row of each hashed n-gram bucket (-1: pruned away), for pruned (.ftz) models. */
  private readonly bucketRows?: Int32Array;
  /** UTF-8 of the token being hashed, between `<` and `>`. */
  private bytes = new Uint8Array(256);
  private readonly hidden: Float64Array;
  private readonly input: Matrix;
  private readonly output: OutputLayer;

  constructor(private readonly model: FastTextModelData) {
    model.words.forEach((word, id) => this.wordIds.set(word, id));
    // An array lookup per n-gram instead of a Map lookup: most n-grams of a pruned model are gone.
    if (model.pruneIndex && model.bucket <= MAX_BUCKET_ARRAY) {
      this.bucketRows = new Int32Array(model.bucket).fill(-1);
      for (const [bucket, row] of model.pruneIndex) if (bucket >= 0 && bucket < model.bucket) this.bucketRows[bucket] = row;
    }
    this.hidden = new Float64Array(model.dim);
    this.input = decoded(model.input);
    this.output = new OutputLayer(model.loss, model.labels.length, decoded(model.output), model.labelCounts);
    this.generationSize = Math.max(1024, Math.floor(CACHE_BYTES / 2 / (model.dim * 8 + 100)));
    this.young = { tokens: new Map(), sums: new Float64Array(this.generationSize * model.dim) };
    this.old = { tokens: new Map(), sums: new Float64Array(this.generationSize * model.dim) };
  }

  /** The `k` most likely labels of one line of text, best first (none when it has no features). */
  predict(line: string, k: number): ClassifierPrediction[] {
    const hidden = this.average(line);
    if (!hidden) return [];
    return this.output.best(hidden, k).map((p) => ({ index: p.index, probability: Math.exp(p.logProb) }));
  }

  /**
   * The probability of label `index` for one line of text, as fastText reports it when asked for
   * all labels (k = -1, threshold 0); 0 when the line has no features or fastText would leave the
   * label out (hierarchical softmax drops labels below its 1e-5 floor).
   */
  probability(line: string, index: number): number {
    const hidden = this.average(line);
    const logProb = hidden && this.output.logProbability(hidden, index);
    return logProb === undefined ? 0 : Math.exp(logProb);
  }

  /** The average of the input rows of one line of text (dim, in `this.hidden`); undefined when it has none. */
  private average(line: string): Float64Array | undefined {
    const hidden = this.hidden.fill(0);
    const hashes: number[] | undefined = this.model.wordNgrams > 1 ? [] : undefined;
    let rows = 0;
    let ended = false;
    for (const token of line.split(SEPARATORS)) {
      if (token === '') continue;
      rows += this.addToken(token, hashes);
      // fastText ends a line at a literal </s>, as at a newline.
      ended = token === EOS;
      if (ended) break;
    }
    if (!ended) rows += this.addToken(EOS, hashes);
    if (hashes) rows += this.addWordNgrams(hashes);
    if (rows === 0) return undefined;
    for (let i = 0; i < hidden.length; i++) hidden[i]! /= rows;
    return hidden;
  }

  private addToken(token: string, hashes: number[] | undefined): number {
    let features = this.young.tokens.get(token);
    if (!features) {
      if (this.young.tokens.size >= this.generationSize) this.rotate();
      const old = this.old.tokens.get(token);
      const offset = this.young.tokens.size * this.model.dim;
      if (old) {
        this.young.sums.set(this.old.sums.subarray(old.offset, old.offset + this.model.dim), offset);
        features = { ...old, offset };
      } else {
        features = this.tokenFeatures(token, offset);
      }
      this.young.tokens.set(token, features);
    }
    if (features.label) return 0;
    const { hidden } = this;
    const sums = this.young.sums;
    const offset = features.offset;
    for (let i = 0; i < hidden.length; i++) hidden[i]! += sums[offset + i]!;
    hashes?.push(features.hash);
    return features.rows;
  }

  /** The young generation becomes the old one; the old one's memory is reused for the new young one. */
  private rotate(): void {
    const dropped = this.old;
    this.old = this.young;
    dropped.tokens.clear();
    this.young = dropped;
  }

  /** Hashes a token, sums its input rows and stores the sum at `offset` in the young generation. */
  private tokenFeatures(token: string, offset: number): TokenFeatures {
    const { model } = this;
    const length = this.encodeBracketed(token);
    let hash = FNV_OFFSET;
    for (let i = 1; i < length - 1; i++) hash = fnv(hash, this.bytes[i]!);
    const id = this.wordIds.get(token);
    if (id === undefined ? token.startsWith(LABEL_PREFIX) : id >= model.nwords) return { label: true, hash, rows: 0, offset };
    const sums = this.young.sums;
    for (let i = 0; i < model.dim; i++) sums[offset + i] = 0;
    let rows = 0;
    if (id !== undefined) {
      this.input.addRow(sums, id, 1, offset);
      rows++;
    }
    if (token !== EOS) rows += this.addCharacterNgrams(length, sums, offset);
    return { label: false, hash, rows, offset };
  }

  /** Writes `<token>` as UTF-8 into `this.bytes` (lone surrogates as U+FFFD); returns its length. */
  private encodeBracketed(token: string): number {
    if (this.bytes.length < token.length * 3 + 2) this.bytes = new Uint8Array(token.length * 6 + 2);
    const out = this.bytes;
    out[0] = 0x3c;
    let n = 1 + utf8Into(token, 0, token.length, out, 1);
    out[n++] = 0x3e;
    return n;
  }

  /** Adds the rows of the minn..maxn character n-grams (whole UTF-8 characters) of `<token>` at `offset`; returns how many. */
  private addCharacterNgrams(length: number, sums: Float64Array, offset: number): number {
    const { minn, maxn, bucket } = this.model;
    const { bytes, input } = this;
    if (bucket <= 0) return 0;
    let rows = 0;
    for (let i = 0; i < length; i++) {
      if ((bytes[i]! & 0xc0) === 0x80) continue;
      let hash = FNV_OFFSET;
      let j = i;
      for (let chars = 1; j < length && chars <= maxn; chars++) {
        hash = fnv(hash, bytes[j++]!);
        while (j < length && (bytes[j]! & 0xc0) === 0x80) hash = fnv(hash, bytes[j++]!);
        // A lone `<` or `>` is not an n-gram.
        if (chars < minn || (chars === 1 && (i === 0 || j === length))) continue;
        // hash % bucket without the slow floating-point remainder (exact below 2^53).
        const unsigned = hash >>> 0;
        const row = this.bucketRow(unsigned - Math.floor(unsigned / bucket) * bucket);
        if (row < 0) continue;
        input.addRow(sums, row, 1, offset);
        rows++;
      }
    }
    return rows;
  }

  private addWordNgrams(hashes: number[]): number {
    const { wordNgrams } = this.model;
    let rows = 0;
    for (let i = 0; i < hashes.length; i++) {
      // fastText widens each int32 hash to uint64 with its sign, then works modulo 2^64.
      let hash = BigInt.asUintN(64, BigInt(hashes[i]!));
      for (let j = i + 1; j < hashes.length && j < i + wordNgrams; j++) {
        hash = BigInt.asUintN(64, hash * WORD_NGRAM_PRIME + BigInt.asUintN(64, BigInt(hashes[j]!)));
        if (this.model.bucket <= 0) continue;
        const row = this.bucketRow(Number(hash % BigInt(this.model.bucket)));
        if (row < 0) continue;
        this.input.addRow(this.hidden, row, 1);
        rows++;
      }
    }
    return rows;
  }

  /** The input row of n-gram bucket `id` (fastText's pushHash), or -1 when pruning removed it. */
  private bucketRow(id: number): number {
    const { nwords, pruneIndex } = this.model;
    if (!pruneIndex) return nwords + id;
    const kept = this.bucketRows ? this.bucketRows[id]! : (pruneIndex.get(id) ?? -1);
    return kept < 0 ? -1 : nwords + kept;
  }
}

/** A small quantized matrix decoded once: a dense row is read faster than a row of codes. */
function decoded(matrix: Matrix): Matrix {
  return matrix instanceof QuantMatrix && matrix.rows * matrix.cols <= MAX_DECODED ? matrix.toDense() : matrix;
}
