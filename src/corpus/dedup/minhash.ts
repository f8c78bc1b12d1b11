import { instantiateKernel, MERSENNE_61, type KernelExports } from './kernel.js';
import { normaliseText } from './normalise.js';

/**
 * MinHash signatures as datatrove computes them: xxHash64 of each n-word shingle of the
 * normalised text, then for each of the 112 hash functions the min over shingles of
 * `((a * h + b) mod 2^64) mod (2^61 - 1)` (numpy's uint64 arithmetic wraps before the modulo;
 * we reproduce it bit for bit, so a numpy implementation given our (a, b) gets the same values).
 */

export interface MinhashConfig {
  /** Words per shingle. */
  nGrams: number;
  numBuckets: number;
  hashesPerBucket: number;
  /** Seed of the (a, b) parameters: signatures are comparable only under the same seed. */
  seed: number;
}

export const MINHASH_DEFAULTS: MinhashConfig = { nGrams: 5, numBuckets: 14, hashesPerBucket: 8, seed: 1 };

/** a in [1, p), b in [0, p) for each hash function. */
export interface MinhashParameters {
  a: BigUint64Array;
  b: BigUint64Array;
}

/** Deterministic parameters from a seed (SplitMix64; BigInt is fine here: 2 x 112 draws per step). */
export function minhashParameters(seed: number, count: number): MinhashParameters {
  let state = BigInt.asUintN(64, BigInt(seed));
  const next = (): bigint => {
    state = BigInt.asUintN(64, state + 0x9e3779b97f4a7c15n);
    let z = BigInt.asUintN(64, (state ^ (state >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  };
  // Rejection sampling keeps each draw uniform on [min, p).
  const draw = (min: bigint): bigint => {
    for (;;) {
      const x = next() >> 3n;
      if (x >= min && x < MERSENNE_61) return x;
    }
  };
  const a = new BigUint64Array(count);
  const b = new BigUint64Array(count);
  for (let j = 0; j < count; j++) {
    a[j] = draw(1n);
    b[j] = draw(0n);
  }
  return { a, b };
}

const align8 = (n: number): number => (n + 7) & ~7;

/**
 * Computes signatures and band keys in a WebAssembly instance of its own (one per thread).
 * Memory layout: parameters (a then b), signature, band keys, then the UTF-8 text and its
 * shingle hashes, which grow with the largest document seen.
 */
export class MinhashSigner {
  readonly numHashes: number;
  readonly parameters: MinhashParameters;
  private readonly kernel: KernelExports;
  private readonly encoder = new TextEncoder();
  private readonly signatureAt: number;
  private readonly keysAt: number;
  private readonly textAt: number;

  constructor(readonly config: MinhashConfig) {
    this.numHashes = config.numBuckets * config.hashesPerBucket;
    this.parameters = minhashParameters(config.seed, this.numHashes);
    this.kernel = instantiateKernel();
    this.signatureAt = 16 * this.numHashes;
    this.keysAt = this.signatureAt + 8 * this.numHashes;
    this.textAt = align8(this.keysAt + 8 * config.numBuckets);
    this.ensure(this.textAt);
    const params = new BigUint64Array(this.kernel.memory.buffer, 0, 2 * this.numHashes);
    params.set(this.parameters.a, 0);
    params.set(this.parameters.b, this.numHashes);
  }

  /**
   * Signs `text`; returns its number of shingles, 0 when the normalised text is empty (then there
   * is no signature: such a document is never a near-duplicate). A text of fewer than nGrams words
   * is one shingle, so short documents still match their copies.
   */
  sign(text: string): number {
    const normalised = normaliseText(text);
    if (normalised.length === 0) return 0;
    this.ensure(this.textAt + 3 * normalised.length);
    const written = this.encoder.encodeInto(normalised, new Uint8Array(this.kernel.memory.buffer, this.textAt)).written;
    // Words are at least one byte plus a space, so at most (written + 1) / 2 shingles.
    const shinglesAt = align8(this.textAt + written);
    this.ensure(shinglesAt + 8 * ((written + 1) / 2 + 1));
    const { nGrams, numBuckets, hashesPerBucket } = this.config;
    const count = this.kernel.shingle_hashes(this.textAt, written, nGrams, shinglesAt);
    this.kernel.minhash(shinglesAt, count, 0, this.numHashes, this.signatureAt);
    this.kernel.band_keys(this.signatureAt, numBuckets, 8 * hashesPerBucket, this.keysAt);
    return count;
  }

  /** The last signature (a copy). */
  signature(): BigUint64Array {
    return new BigUint64Array(this.kernel.memory.buffer, this.signatureAt, this.numHashes).slice();
  }

  /**
   * The last signature's band keys: xxHash64 of each band's hashesPerBucket values, as [low, high]
   * 32-bit words per band (a view, valid until the next call). Two documents share a bucket when a
   * whole band agrees; comparing one 64-bit digest instead of 8 values keeps records at 12 bytes on
   * disk, at the cost of a 2^-64 chance of a false match per pair.
   */
  bandKeys(): Uint32Array {
    return new Uint32Array(this.kernel.memory.buffer, this.keysAt, 2 * this.config.numBuckets);
  }

  /** xxHash64 (seed 0) of bytes, through the kernel (for tests and tools). */
  xxh64(bytes: Uint8Array): bigint {
    this.ensure(this.textAt + bytes.length);
    new Uint8Array(this.kernel.memory.buffer, this.textAt, bytes.length).set(bytes);
    return BigInt.asUintN(64, this.kernel.xxh64(this.textAt, bytes.length));
  }

  private ensure(bytes: number): void {
    const have = this.kernel.memory.buffer.byteLength;
    if (bytes > have) this.kernel.memory.grow(Math.ceil((bytes - have) / 65536));
  }
}
