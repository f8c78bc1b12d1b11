/**
 * Plain BigInt versions of the kernel's xxHash64 and MinHash: slow (~100x) and short enough to
 * check by eye against the published algorithms. The tests compare the kernel with them.
 */

import { MERSENNE_61, P1, P2, P3, P4, P5 } from './kernel.js';

const MASK = (1n << 64n) - 1n;

const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & MASK;
const mul = (a: bigint, b: bigint): bigint => (a * b) & MASK;
const round = (acc: bigint, input: bigint): bigint => mul(rotl((acc + mul(input, P2)) & MASK, 31n), P1);
const merge = (h: bigint, v: bigint): bigint => (mul(h ^ round(0n, v), P1) + P4) & MASK;

function read(bytes: Uint8Array, i: number, n: number): bigint {
  let v = 0n;
  for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(bytes[i + k]!);
  return v;
}

/** xxHash64 with seed 0. */
export function referenceXxh64(bytes: Uint8Array): bigint {
  const len = bytes.length;
  let i = 0;
  let h: bigint;
  if (len >= 32) {
    const v = [(P1 + P2) & MASK, P2, 0n, (-P1) & MASK];
    for (; i + 32 <= len; i += 32) for (let lane = 0; lane < 4; lane++) v[lane] = round(v[lane]!, read(bytes, i + 8 * lane, 8));
    h = (rotl(v[0]!, 1n) + rotl(v[1]!, 7n) + rotl(v[2]!, 12n) + rotl(v[3]!, 18n)) & MASK;
    for (const lane of v) h = merge(h, lane);
  } else h = P5;
  h = (h + BigInt(len)) & MASK;
  for (; i + 8 <= len; i += 8) h = (mul(rotl(h ^ round(0n, read(bytes, i, 8)), 27n), P1) + P4) & MASK;
  if (i + 4 <= len) {
    h = (mul(rotl(h ^ mul(read(bytes, i, 4), P1), 23n), P2) + P3) & MASK;
    i += 4;
  }
  for (; i < len; i++) h = mul(rotl(h ^ mul(BigInt(bytes[i]!), P5), 11n), P1);
  h = mul(h ^ (h >> 33n), P2);
  h = mul(h ^ (h >> 29n), P3);
  return h ^ (h >> 32n);
}

/** datatrove's signature: min over shingles of ((a h + b) mod 2^64) mod (2^61 - 1), per (a, b). */
export function referenceMinhash(shingles: bigint[], a: BigUint64Array, b: BigUint64Array): bigint[] {
  return Array.from(a, (aj, j) => shingles.reduce((m, h) => {
    const v = ((aj * h + b[j]!) & MASK) % MERSENNE_61;
    return v < m ? v : m;
  }, MASK));
}
