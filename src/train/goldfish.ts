/**
 * The Goldfish loss mask (Hans et al., "Be like a Goldfish, Don't Memorize!", NeurIPS 2024; R6):
 * a pseudo-random 1/k of the next-token targets leave the loss, numerator and denominator
 * (the cross-entropy kernel's mask), so no passage is ever trained on verbatim in full.
 *
 * Indexing, as the reference (`apply_goldfish`, github.com/ahans30/goldfish-loss, lit_gpt/utils.py):
 * the mask is over a sequence of labels (targets) `labels[0..n-1]`; label j is decided by the window
 * of the h labels ending at it, `labels[j-h+1..j]`, the target itself included. Labels with fewer
 * than h-1 labels before them (j < h-1) have no window and are always kept. The data loader calls
 * this on each document's labels (its tokens after the first), so the decision for a token is a
 * pure function of the h tokens of its document ending at it: a passage repeated anywhere, in any
 * document, at any position of a training row, is masked at the same tokens every time.
 *
 * Strategies:
 * - `hash` (default): a 64-bit polynomial rolling hash of the window, mod 2^64, over (id + 1) with
 *   an odd multiplier, XOR a seed, then MurmurHash3's fmix64; dropped when below 2^64 / k.
 *   Unlike the reference's product key, it depends on order, and id 0 or long windows of even ids
 *   do not collapse it. (A polynomial hash mod 2^64 has adversarial collisions, e.g. Thue-Morse
 *   strings; natural text does not hit them, and a collision only makes two windows share a
 *   decision.)
 * - `hash-table`: the reference exactly: key = (product of the window's ids as int64, wrapping
 *   mod 2^64) mod 1,000,003 with Python's sign rule (torch `%` is `remainder`: never negative);
 *   dropped when table[key] < float32(1/k), table = torch.rand(1000003) from seed 2971215073 on
 *   CPU. Known flaw kept for fidelity: any id 0, or 64 factors of 2, makes key 0.
 * - `static`: labels j >= start with (j - start) % k == 0 (the reference's `targets[start::k]`,
 *   counted over the labels given: per document in the loader).
 * - `random`: each label dropped with probability 1/k, from (seed, key, j) by a counter-based
 *   hash: the same key gives the same mask (resumable), different keys independent masks. This is
 *   the reference's `seeded_random` baseline: it does not stop memorization of repeated text.
 */
import { z } from 'zod';
import { C1_HI, C1_LO, C2_HI, C2_LO, fmix64, LOW, mixWords, mul64, mulHigh32, threshold64 } from './hash64.js';
import { GOLDFISH_TABLE_SIZE, goldfishHashTable } from './torch-random.js';

export const GOLDFISH_STRATEGIES = ['hash', 'hash-table', 'static', 'random'] as const;
export type GoldfishStrategy = (typeof GOLDFISH_STRATEGIES)[number];

/** The `goldfish:` section of a training config. Defaults: Apertus's k = h = 50 (R6). */
export const GoldfishSchema = z
  .object({
    enabled: z.boolean().default(true),
    strategy: z.enum(GOLDFISH_STRATEGIES).default('hash'),
    /** Drop 1 in k targets. */
    k: z.number().int().min(2).default(50),
    /** Window width in tokens, the target included. */
    h: z.number().int().min(1).default(50),
    /** `hash` and `random` only; uint32. */
    seed: z.number().int().min(0).max(0xffffffff).default(0),
    /** `static` only: the first label dropped. */
    start: z.number().int().min(0).default(0),
  })
  .strict();

export type GoldfishConfig = z.output<typeof GoldfishSchema>;

export interface GoldfishOptions {
  strategy: GoldfishStrategy;
  k: number;
  h: number;
  seed?: number;
  start?: number;
}

/** Any integer id array: Int32Array, the shard dtypes, number[]. */
export type Ids = ArrayLike<number>;

/**
 * Keep-mask over `labels` [n] -> Uint8Array [n]: 1 = in the loss, 0 = dropped by Goldfish.
 * `key` (random only) names the sequence, e.g. a document visit. Writes into `out` when given.
 */
export function goldfishMask(labels: Ids, options: GoldfishOptions, out?: Uint8Array, key = 0): Uint8Array {
  const n = labels.length;
  const mask = out ?? new Uint8Array(n);
  if (mask.length < n) throw new RangeError(`goldfishMask: out has ${mask.length} entries for ${n} labels`);
  checkOptions(options);
  mask.fill(1, 0, n);
  const { k, h } = options;
  switch (options.strategy) {
    case 'hash':
      hashMask(labels, k, h, options.seed ?? 0, mask);
      break;
    case 'hash-table':
      tableMask(labels, k, h, mask);
      break;
    case 'static':
      for (let j = options.start ?? 0; j < n; j += k) mask[j] = 0;
      break;
    case 'random':
      randomMask(n, k, options.seed ?? 0, key, mask);
      break;
    default:
      throw new Error(`goldfishMask: unknown strategy ${String(options.strategy)}`);
  }
  return mask;
}

/** Fraction of the first `n` entries of a keep-mask that are dropped (0 for an empty mask). */
export function dropRate(mask: Uint8Array, n = mask.length): number {
  let dropped = 0;
  for (let i = 0; i < n; i++) if (mask[i] === 0) dropped++;
  return n === 0 ? 0 : dropped / n;
}

function checkOptions(o: GoldfishOptions): void {
  if (!Number.isInteger(o.k) || o.k < 2) throw new RangeError(`goldfish: k must be an integer >= 2, got ${o.k}`);
  if (!Number.isInteger(o.h) || o.h < 1) throw new RangeError(`goldfish: h must be an integer >= 1, got ${o.h}`);
}

// Multiplier of the rolling hash: 0x9e3779b97f4a7c15 (2^64 / golden ratio, odd).
const B_HI = 0x9e3779b9;
const B_LO = 0x7f4a7c15;

/** B^e mod 2^64 as halves. */
function powB(e: number): { hi: number; lo: number } {
  let hi = 0;
  let lo = 1;
  for (let i = 0; i < e; i++) {
    hi = mul64(hi, lo, B_HI, B_LO);
    lo = LOW.value;
  }
  return { hi, lo };
}

// H_j = sum_{i=j-h+1..j} (t_i + 1) B^(j-i) mod 2^64, kept rolling:
//   H_j = H_{j-1} B + (t_j + 1) - (t_{j-h} + 1) B^h
// then fmix64(H_j ^ salt). Written out on 32-bit halves (hash64.ts's mul64 and fmix64, inlined by
// hand): this loop runs once per training token and must stay above 20 M tokens/s.
function hashMask(labels: Ids, k: number, h: number, seed: number, mask: Uint8Array): void {
  const n = labels.length;
  if (n < h) return;
  const limit = threshold64(k);
  const limitHi = limit.hi;
  const limitLo = limit.lo;
  const salt = mixWords(seed >>> 0, h);
  const saltHi = salt.hi;
  const saltLo = salt.lo;
  const bh = powB(h);
  const bhHi = bh.hi;
  const bhLo = bh.lo;
  let hashHi = 0;
  let hashLo = 0;
  for (let j = 0; j < n; j++) {
    let hi = (mulHigh32(hashLo, B_LO) + Math.imul(hashLo, B_HI) + Math.imul(hashHi, B_LO)) >>> 0;
    let lo = (Math.imul(hashLo, B_LO) >>> 0) + ((labels[j]! + 1) >>> 0);
    if (lo > 0xffffffff) {
      lo -= 4294967296;
      hi = (hi + 1) >>> 0;
    }
    if (j >= h) {
      const x = (labels[j - h]! + 1) >>> 0;
      const xLo = Math.imul(x, bhLo) >>> 0;
      const xHi = (mulHigh32(x, bhLo) + Math.imul(x, bhHi)) >>> 0;
      hi = (hi - xHi - (lo < xLo ? 1 : 0)) >>> 0;
      lo = (lo - xLo) >>> 0;
    }
    hashHi = hi;
    hashLo = lo;
    if (j >= h - 1) {
      // fmix64: k ^= k >> 33; k *= C1; k ^= k >> 33; k *= C2; k ^= k >> 33
      let kHi = (hi ^ saltHi) >>> 0;
      let kLo = (lo ^ saltLo ^ (kHi >>> 1)) >>> 0;
      kHi = (mulHigh32(kLo, C1_LO) + Math.imul(kLo, C1_HI) + Math.imul(kHi, C1_LO)) >>> 0;
      kLo = ((Math.imul(kLo, C1_LO) >>> 0) ^ (kHi >>> 1)) >>> 0;
      kHi = (mulHigh32(kLo, C2_LO) + Math.imul(kLo, C2_HI) + Math.imul(kHi, C2_LO)) >>> 0;
      kLo = ((Math.imul(kLo, C2_LO) >>> 0) ^ (kHi >>> 1)) >>> 0;
      if (kHi < limitHi || (kHi === limitHi && kLo < limitLo)) mask[j] = 0;
    }
  }
}

const TWO32_MOD = 2 ** 32 % GOLDFISH_TABLE_SIZE;
const TWO64_MOD = Number((1n << 64n) % BigInt(GOLDFISH_TABLE_SIZE));

/** int64 (hi:lo, two's complement) % 1,000,003 with Python's sign rule: in [0, 1,000,003). */
export function tableKey(hi: number, lo: number): number {
  const p = GOLDFISH_TABLE_SIZE;
  let r = ((hi % p) * TWO32_MOD + lo) % p;
  if (hi >= 0x80000000) {
    r = (r - TWO64_MOD) % p; // the value is (hi:lo) - 2^64
    if (r < 0) r += p;
  }
  return r;
}

// The product of every window of h ids, mod 2^64, at ~3 multiplications per label: cut the labels
// into blocks of h; a window is a suffix of one block times a prefix of the next (or one block).
function tableMask(labels: Ids, k: number, h: number, mask: Uint8Array): void {
  const n = labels.length;
  if (n < h) return;
  const table = goldfishHashTable();
  const limit = Math.fround(1 / k); // torch compares a float32 tensor with the scalar in float32
  const preHi = new Uint32Array(n);
  const preLo = new Uint32Array(n);
  const sufHi = new Uint32Array(n);
  const sufLo = new Uint32Array(n);
  for (let b = 0; b < n; b += h) {
    const end = Math.min(b + h, n);
    let hi = 0;
    let lo = 1;
    for (let i = b; i < end; i++) {
      const t = labels[i]!;
      hi = mul64(hi, lo, t < 0 ? 0xffffffff : 0, t >>> 0);
      lo = LOW.value;
      preHi[i] = hi;
      preLo[i] = lo;
    }
    hi = 0;
    lo = 1;
    for (let i = end - 1; i >= b; i--) {
      const t = labels[i]!;
      hi = mul64(hi, lo, t < 0 ? 0xffffffff : 0, t >>> 0);
      lo = LOW.value;
      sufHi[i] = hi;
      sufLo[i] = lo;
    }
  }
  for (let j = h - 1; j < n; j++) {
    const s = j - h + 1;
    let hi = preHi[j]!;
    let lo = preLo[j]!;
    if (s % h !== 0) {
      hi = mul64(sufHi[s]!, sufLo[s]!, hi, lo);
      lo = LOW.value;
    }
    if (table[tableKey(hi, lo)]! < limit) mask[j] = 0;
  }
}

function randomMask(n: number, k: number, seed: number, key: number, mask: Uint8Array): void {
  if (!Number.isSafeInteger(key) || key < 0) throw new RangeError(`goldfish random: key must be a non-negative safe integer, got ${key}`);
  const limit = threshold64(k);
  const base = mixWords(seed >>> 0, key >>> 0, Math.floor(key / 2 ** 32));
  for (let j = 0; j < n; j++) {
    const hi = fmix64(base.hi, (base.lo ^ j) >>> 0);
    if (hi < limit.hi || (hi === limit.hi && LOW.value < limit.lo)) mask[j] = 0;
  }
}
