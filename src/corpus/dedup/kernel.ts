import { assemble, type WatFunction } from './wat.js';

/**
 * The hot loops of MinHash in WebAssembly: xxHash64 of every shingle and the 112 min-hashes,
 * which are 64-bit integer arithmetic. WebAssembly has native i64 multiply; JavaScript numbers
 * would need 32-bit halves (measured: 8-15 ns per hash in JS against ~1.5 ns here). The source
 * is below as text and assembled at load time (wat.ts); `reference.ts` is the plain BigInt
 * version the tests compare it with.
 */

const MASK64 = (1n << 64n) - 1n;
/** xxHash64's five primes. */
export const P1 = 0x9e3779b185ebca87n;
export const P2 = 0xc2b2ae3d27d4eb4fn;
export const P3 = 0x165667b19e3779f9n;
export const P4 = 0x85ebca77c2b2ae63n;
export const P5 = 0x27d4eb2f165667c5n;
/** The MinHash modulus p = 2^61 - 1, as in datatrove. */
export const MERSENNE_61 = (1n << 61n) - 1n;
const SPACE = 0x20;

const FUNCTIONS: WatFunction[] = [
  {
    name: 'round', // acc = rotl(acc + input * P2, 31) * P1
    params: [['acc', 'i64'], ['input', 'i64']],
    result: 'i64',
    body: `local.get acc local.get input i64.const ${P2} i64.mul i64.add i64.const 31 i64.rotl i64.const ${P1} i64.mul`,
  },
  {
    name: 'merge', // h = (h ^ round(0, v)) * P1 + P4
    params: [['h', 'i64'], ['v', 'i64']],
    result: 'i64',
    body: `local.get h i64.const 0 local.get v call round i64.xor i64.const ${P1} i64.mul i64.const ${P4} i64.add`,
  },
  {
    name: 'xxh64', // xxHash64, seed 0, of bytes [p, p + len)
    params: [['p', 'i32'], ['len', 'i32']],
    result: 'i64',
    locals: [['end', 'i32'], ['v1', 'i64'], ['v2', 'i64'], ['v3', 'i64'], ['v4', 'i64'], ['h', 'i64']],
    body: `
      local.get p local.get len i32.add local.set end
      local.get len i32.const 32 i32.ge_u
      if (result i64)
        i64.const ${(P1 + P2) & MASK64} local.set v1
        i64.const ${P2} local.set v2
        i64.const ${(-P1) & MASK64} local.set v4
        loop ;; 32-byte stripes
          local.get v1 local.get p i64.load call round local.set v1
          local.get v2 local.get p i64.load offset=8 call round local.set v2
          local.get v3 local.get p i64.load offset=16 call round local.set v3
          local.get v4 local.get p i64.load offset=24 call round local.set v4
          local.get p i32.const 32 i32.add local.tee p i32.const 32 i32.add local.get end i32.le_u
          br_if 0
        end
        local.get v1 i64.const 1 i64.rotl local.get v2 i64.const 7 i64.rotl i64.add
        local.get v3 i64.const 12 i64.rotl i64.add local.get v4 i64.const 18 i64.rotl i64.add
        local.get v1 call merge local.get v2 call merge local.get v3 call merge local.get v4 call merge
      else
        i64.const ${P5}
      end
      local.get len i64.extend_i32_u i64.add local.set h
      block loop ;; 8-byte words
        local.get p i32.const 8 i32.add local.get end i32.gt_u br_if 1
        local.get h i64.const 0 local.get p i64.load call round i64.xor
        i64.const 27 i64.rotl i64.const ${P1} i64.mul i64.const ${P4} i64.add local.set h
        local.get p i32.const 8 i32.add local.set p
        br 0
      end end
      local.get p i32.const 4 i32.add local.get end i32.le_u
      if ;; one 4-byte word
        local.get h local.get p i64.load32_u i64.const ${P1} i64.mul i64.xor
        i64.const 23 i64.rotl i64.const ${P2} i64.mul i64.const ${P3} i64.add local.set h
        local.get p i32.const 4 i32.add local.set p
      end
      block loop ;; single bytes
        local.get p local.get end i32.ge_u br_if 1
        local.get h local.get p i64.load8_u i64.const ${P5} i64.mul i64.xor
        i64.const 11 i64.rotl i64.const ${P1} i64.mul local.set h
        local.get p i32.const 1 i32.add local.set p
        br 0
      end end
      local.get h local.get h i64.const 33 i64.shr_u i64.xor i64.const ${P2} i64.mul local.set h
      local.get h local.get h i64.const 29 i64.shr_u i64.xor i64.const ${P3} i64.mul local.set h
      local.get h local.get h i64.const 32 i64.shr_u i64.xor`,
    exported: true,
  },
  {
    // out[i] = xxh64 of the i-th run of n consecutive words of text (words separated by one
    // space); a text of fewer than n words is one shingle. Returns the number of shingles.
    name: 'shingle_hashes',
    params: [['text', 'i32'], ['len', 'i32'], ['n', 'i32'], ['out', 'i32']],
    result: 'i32',
    locals: [['p', 'i32'], ['end', 'i32'], ['first', 'i32'], ['words', 'i32'], ['count', 'i32']],
    body: `
      local.get text local.get len i32.add local.set end
      local.get text local.tee p local.set first
      block loop
        local.get p local.get end i32.eq
        if (result i32) i32.const 1 else local.get p i32.load8_u i32.const ${SPACE} i32.eq end
        if ;; a word ends at p
          local.get words i32.const 1 i32.add local.tee words local.get n i32.ge_u
          if ;; the window [first, p) holds n words
            local.get out local.get count i32.const 3 i32.shl i32.add
            local.get first local.get p local.get first i32.sub call xxh64 i64.store
            local.get count i32.const 1 i32.add local.set count
            block loop ;; first moves past the window's first word
              local.get first local.get p i32.ge_u br_if 1
              local.get first i32.load8_u i32.const ${SPACE} i32.eq br_if 1
              local.get first i32.const 1 i32.add local.set first
              br 0
            end end
            local.get first i32.const 1 i32.add local.set first
          end
        end
        local.get p local.get end i32.ge_u br_if 1
        local.get p i32.const 1 i32.add local.set p
        br 0
      end end
      local.get count i32.eqz
      if
        local.get out local.get text local.get len call xxh64 i64.store
        i32.const 1 local.set count
      end
      local.get count`,
    exported: true,
  },
  {
    // out[j] = min over the count shingle hashes h of ((a_j h + b_j) mod 2^64) mod (2^61 - 1);
    // params holds a[0..k) then b[0..k).
    name: 'minhash',
    params: [['shingles', 'i32'], ['count', 'i32'], ['params', 'i32'], ['k', 'i32'], ['out', 'i32']],
    locals: [['j', 'i32'], ['s', 'i32'], ['end', 'i32'], ['a', 'i64'], ['b', 'i64'], ['m', 'i64'], ['x', 'i64'], ['v', 'i64']],
    body: `
      local.get shingles local.get count i32.const 3 i32.shl i32.add local.set end
      block loop
        local.get j local.get k i32.ge_u br_if 1
        local.get params local.get j i32.const 3 i32.shl i32.add local.tee s i64.load local.set a
        local.get s local.get k i32.const 3 i32.shl i32.add i64.load local.set b
        i64.const -1 local.set m
        local.get shingles local.set s
        block loop
          local.get s local.get end i32.ge_u br_if 1
          local.get a local.get s i64.load i64.mul local.get b i64.add local.tee x
          i64.const ${MERSENNE_61} i64.and local.get x i64.const 61 i64.shr_u i64.add local.set v
          ;; 2^61 = 1 (mod p): the fold above is at most p + 6, one conditional subtraction ends it
          local.get v i64.const ${MERSENNE_61} i64.sub local.get v local.get v i64.const ${MERSENNE_61} i64.ge_u select local.set v
          local.get v local.get m local.get v local.get m i64.lt_u select local.set m
          local.get s i32.const 8 i32.add local.set s
          br 0
        end end
        local.get out local.get j i32.const 3 i32.shl i32.add local.get m i64.store
        local.get j i32.const 1 i32.add local.set j
        br 0
      end end`,
    exported: true,
  },
  {
    name: 'band_keys', // out[b] = xxh64 of bytes [sig + b * bandBytes, sig + (b + 1) * bandBytes)
    params: [['sig', 'i32'], ['bands', 'i32'], ['bandBytes', 'i32'], ['out', 'i32']],
    locals: [['b', 'i32']],
    body: `
      block loop
        local.get b local.get bands i32.ge_u br_if 1
        local.get out local.get b i32.const 3 i32.shl i32.add
        local.get sig local.get b local.get bandBytes i32.mul i32.add local.get bandBytes call xxh64 i64.store
        local.get b i32.const 1 i32.add local.set b
        br 0
      end end`,
    exported: true,
  },
];

// The project's TypeScript lib (ES2023, Node types) declares no WebAssembly: the little we use.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: object };
};

export interface KernelExports {
  memory: WasmMemory;
  xxh64(p: number, len: number): bigint;
  shingle_hashes(text: number, len: number, n: number, out: number): number;
  minhash(shingles: number, count: number, params: number, k: number, out: number): void;
  band_keys(sig: number, bands: number, bandBytes: number, out: number): void;
}

let compiled: object | undefined;

/** A fresh instance (own memory: one per signer, so per worker thread); the module is compiled once. */
export function instantiateKernel(): KernelExports {
  compiled ??= new WebAssembly.Module(assemble(FUNCTIONS, 1));
  return new WebAssembly.Instance(compiled).exports as unknown as KernelExports;
}
