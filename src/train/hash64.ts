/**
 * 64-bit unsigned integer arithmetic on two uint32 halves (hi, lo), without BigInt and without
 * allocating: the hot loops (the Goldfish hash, ~1 call per token) stay in small integers. A
 * function returns the high half and leaves the low half in `LOW.value`, so a caller reads it
 * right after the call:  const hi = mul64(ah, al, bh, bl); const lo = LOW.value;
 * Also a seeded generator (splitmix64) for shuffles and the counter-based random Goldfish mask.
 */

/** The low half of the last result. */
export const LOW = { value: 0 };

/**
 * High 32 bits of the 64-bit product of two uint32. The double product a*b is off by at most
 * 2^11; minus the exact low half (Math.imul) it is within 2^12 of hi * 2^32, so rounding the
 * quotient gives hi exactly (checked against BigInt in test/train/hash64.test.ts).
 */
export function mulHigh32(a: number, b: number): number {
  return Math.round((a * b - (Math.imul(a, b) >>> 0)) / 4294967296);
}

/** (ah:al) * (bh:bl) mod 2^64. */
export function mul64(ah: number, al: number, bh: number, bl: number): number {
  LOW.value = Math.imul(al, bl) >>> 0;
  return (mulHigh32(al, bl) + Math.imul(al, bh) + Math.imul(ah, bl)) >>> 0;
}

/** (ah:al) + (bh:bl) mod 2^64. */
export function add64(ah: number, al: number, bh: number, bl: number): number {
  const lo = al + bl;
  LOW.value = lo >>> 0;
  return (ah + bh + (lo > 0xffffffff ? 1 : 0)) >>> 0;
}

/** (ah:al) - (bh:bl) mod 2^64. */
export function sub64(ah: number, al: number, bh: number, bl: number): number {
  LOW.value = (al - bl) >>> 0;
  return (ah - bh - (al < bl ? 1 : 0)) >>> 0;
}

// MurmurHash3's fmix64 constants: 0xff51afd7ed558ccd, 0xc4ceb9fe1a85ec53.
export const C1_HI = 0xff51afd7;
export const C1_LO = 0xed558ccd;
export const C2_HI = 0xc4ceb9fe;
export const C2_LO = 0x1a85ec53;

/**
 * MurmurHash3's 64-bit finalizer (fmix64): a bijection on 64 bits whose every output bit depends
 * on every input bit. k ^= k >> 33; k *= C1; k ^= k >> 33; k *= C2; k ^= k >> 33.
 */
export function fmix64(hi: number, lo: number): number {
  lo = (lo ^ (hi >>> 1)) >>> 0;
  hi = mul64(hi, lo, C1_HI, C1_LO);
  lo = LOW.value;
  lo = (lo ^ (hi >>> 1)) >>> 0;
  hi = mul64(hi, lo, C2_HI, C2_LO);
  lo = LOW.value;
  LOW.value = (lo ^ (hi >>> 1)) >>> 0;
  return hi;
}

/** A 64-bit value from a list of 32-bit words (seed, dataset, epoch, ...), well mixed. */
export function mixWords(...words: number[]): { hi: number; lo: number } {
  let hi = 0x9e3779b9;
  let lo = 0x7f4a7c15;
  for (const word of words) {
    if (!Number.isInteger(word) || word < 0 || word > 0xffffffff) throw new RangeError(`mixWords: ${word} is not a uint32`);
    hi = fmix64(hi, (lo ^ word) >>> 0);
    lo = LOW.value;
  }
  return { hi, lo };
}

/** 2^64 / k rounded down, as halves: a 64-bit hash below it happens with probability 1/k. */
export function threshold64(k: number): { hi: number; lo: number } {
  const t = (1n << 64n) / BigInt(Math.round(k));
  return { hi: Number(t >> 32n), lo: Number(t & 0xffffffffn) };
}

/**
 * A SplitMix generator (Steele, Lea, Flood 2014): a Weyl sequence (state += golden gamma) whose
 * every value goes through fmix64 (MurmurHash3's finalizer, where SplitMix64 uses Stafford's
 * variant 13). The state is one 64-bit number, so a shuffle is rebuilt from its seed alone.
 */
export class SplitMix64 {
  private hi: number;
  private lo: number;

  constructor(seed: { hi: number; lo: number }) {
    this.hi = seed.hi >>> 0;
    this.lo = seed.lo >>> 0;
  }

  /** The next 64 bits; returns the high half, the low half in LOW.value. */
  next64(): number {
    this.hi = add64(this.hi, this.lo, 0x9e3779b9, 0x7f4a7c15);
    this.lo = LOW.value;
    return fmix64(this.hi, this.lo);
  }

  /** Uniform in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.next64();
    return (hi * 2 ** 21 + (LOW.value >>> 11)) / 2 ** 53;
  }

  /** Uniform integer in [0, n), n <= 2^32 (53-bit float: bias below 2^-21 for any such n). */
  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }
}
