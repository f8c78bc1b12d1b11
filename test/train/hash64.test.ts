/** 64-bit arithmetic on uint32 halves against BigInt, and the seeded generator. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { add64, fmix64, LOW, mul64, mulHigh32, SplitMix64, sub64 } from '../../src/train/hash64.js';
import { seeded } from '../helpers/random.js';

const M64 = (1n << 64n) - 1n;
const big = (hi: number, lo: number) => (BigInt(hi) << 32n) | BigInt(lo);
const EDGES = [0, 1, 2, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

function words(count: number, seed: number): number[] {
  const random = seeded(seed);
  return [...EDGES, ...Array.from({ length: count }, () => Math.floor(random() * 2 ** 32))];
}

test('mulHigh32 is the exact high half of the 64-bit product', () => {
  const xs = words(3000, 1);
  const ys = words(300, 2);
  for (const a of xs) for (const b of ys) assert.equal(mulHigh32(a, b), Number((BigInt(a) * BigInt(b)) >> 32n), `${a} * ${b}`);
});

test('mul64, add64, sub64 and fmix64 agree with BigInt mod 2^64', () => {
  const xs = words(400, 3);
  for (let i = 0; i + 3 < xs.length; i++) {
    const [ah, al, bh, bl] = [xs[i]!, xs[i + 1]!, xs[i + 2]!, xs[i + 3]!];
    const a = big(ah, al);
    const b = big(bh, bl);
    const hm = mul64(ah, al, bh, bl);
    assert.equal(big(hm, LOW.value), (a * b) & M64);
    const ha = add64(ah, al, bh, bl);
    assert.equal(big(ha, LOW.value), (a + b) & M64);
    const hs = sub64(ah, al, bh, bl);
    assert.equal(big(hs, LOW.value), (a - b) & M64);
    let k = a ^ (a >> 33n);
    k = (k * 0xff51afd7ed558ccdn) & M64;
    k ^= k >> 33n;
    k = (k * 0xc4ceb9fe1a85ec53n) & M64;
    k ^= k >> 33n;
    const hf = fmix64(ah, al);
    assert.equal(big(hf, LOW.value), k);
  }
});

test('SplitMix64: the same seed gives the same stream; floats in [0, 1), ints in range', () => {
  const a = new SplitMix64({ hi: 1, lo: 2 });
  const b = new SplitMix64({ hi: 1, lo: 2 });
  const c = new SplitMix64({ hi: 1, lo: 3 });
  const xs = Array.from({ length: 1000 }, () => a.nextFloat());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b.nextFloat()));
  assert.notDeepEqual(xs, Array.from({ length: 1000 }, () => c.nextFloat()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05);
  const counts = new Array(7).fill(0);
  for (let i = 0; i < 70000; i++) counts[a.nextInt(7)]++;
  assert.ok(counts.every((n) => Math.abs(n - 10000) < 500), String(counts));
});
