import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attentionBackward, attentionForward, type AttentionShape } from '../../src/tensor/kernels/attention.js';
import { assertClose, dot, numericGradient, seededFloats } from './kernels-gradcheck.js';

/** Naive attention: full [T, T] scores per head, mask, softmax, weighted sum. */
function naiveAttention(q: Float64Array, k: Float64Array, v: Float64Array, s: AttentionShape, docIds?: Int32Array): Float64Array {
  const { B, T, Hq, Hkv, D } = s;
  const out = new Float64Array(B * T * Hq * D);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < Hq; h++) {
      const hk = Math.floor(h / (Hq / Hkv));
      for (let i = 0; i < T; i++) {
        const scores = new Float64Array(T).fill(-Infinity);
        for (let j = 0; j <= i; j++) {
          // same document: no boundary between j and i
          let sameDoc = true;
          for (let t = j + 1; t <= i && docIds; t++) if (docIds[b * T + t] !== docIds[b * T + t - 1]) sameDoc = false;
          if (!sameDoc) continue;
          let d2 = 0;
          for (let d = 0; d < D; d++) d2 += q[((b * T + i) * Hq + h) * D + d] * k[((b * T + j) * Hkv + hk) * D + d];
          scores[j] = d2 / Math.sqrt(D);
        }
        const max = Math.max(...scores);
        const p = scores.map((x) => Math.exp(x - max));
        const total = p.reduce((a, x) => a + x, 0);
        for (let j = 0; j < T; j++) {
          for (let d = 0; d < D; d++) out[((b * T + i) * Hq + h) * D + d] += (p[j] / total) * v[((b * T + j) * Hkv + hk) * D + d];
        }
      }
    }
  }
  return out;
}

interface Case { name: string; shape: AttentionShape; docIds?: Int32Array; blockSize: number }

const docs13 = new Int32Array([0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2]);
const cases: Case[] = [
  { name: 'GQA 4/2, causal, blocks of 4 over T=13', shape: { B: 1, T: 13, Hq: 4, Hkv: 2, D: 3 }, blockSize: 4 },
  { name: 'GQA 4/2, 3 documents in 13 tokens, B=2, blocks of 3', shape: { B: 2, T: 13, Hq: 4, Hkv: 2, D: 5 },
    docIds: new Int32Array([...docs13, ...new Int32Array(13).fill(7)]), blockSize: 3 },
  { name: 'one block larger than T', shape: { B: 1, T: 7, Hq: 2, Hkv: 1, D: 4 }, docIds: docs13.subarray(3, 10), blockSize: 64 },
  { name: 'T = 1', shape: { B: 2, T: 1, Hq: 4, Hkv: 2, D: 3 }, blockSize: 2 },
];

for (const c of cases) {
  const { B, T, Hq, Hkv, D } = c.shape;
  const opts = { docIds: c.docIds, blockSize: c.blockSize };
  const q = seededFloats(B * T * Hq * D, 11, 1.5);
  const k = seededFloats(B * T * Hkv * D, 12, 1.5);
  const v = seededFloats(B * T * Hkv * D, 13);
  const dout = seededFloats(B * T * Hq * D, 14);

  test(`attention forward equals naive: ${c.name}`, () => {
    const out = new Float64Array(q.length);
    const lse = new Float64Array(B * Hq * T);
    attentionForward(out, lse, q, k, v, c.shape, opts);
    assertClose(out, naiveAttention(q, k, v, c.shape, c.docIds), 1e-12, 'out');
  });

  test(`attention backward equals finite differences of the naive reference: ${c.name}`, () => {
    const out = new Float64Array(q.length);
    const lse = new Float64Array(B * Hq * T);
    attentionForward(out, lse, q, k, v, c.shape, opts);
    const dq = new Float64Array(q.length), dk = new Float64Array(k.length), dv = new Float64Array(v.length);
    attentionBackward(dq, dk, dv, dout, q, k, v, out, lse, c.shape, opts);
    const loss = (): number => dot(naiveAttention(q, k, v, c.shape, c.docIds), dout);
    assertClose(dq, numericGradient(loss, q), 1e-6, 'dq');
    assertClose(dk, numericGradient(loss, k), 1e-6, 'dk');
    assertClose(dv, numericGradient(loss, v), 1e-6, 'dv');
  });
}

test('attention saves the row logsumexp; float32 agrees with float64', () => {
  const shape = { B: 1, T: 9, Hq: 4, Hkv: 2, D: 8 };
  const q = seededFloats(9 * 4 * 8, 21), k = seededFloats(9 * 2 * 8, 22), v = seededFloats(9 * 2 * 8, 23);
  const out64 = new Float64Array(q.length), lse64 = new Float64Array(36);
  attentionForward(out64, lse64, q, k, v, shape, { blockSize: 4 });
  // token 0 sees only itself: lse = its own score
  assert.ok(Math.abs(lse64[0] - dot(q.subarray(0, 8), k.subarray(0, 8)) / Math.sqrt(8)) < 1e-12);
  const out32 = new Float32Array(q.length);
  attentionForward(out32, new Float32Array(36), Float32Array.from(q), Float32Array.from(k), Float32Array.from(v), shape, { blockSize: 4 });
  assertClose(out32, out64, 1e-5, 'float32');
});

test('attention rejects kv heads that do not divide the query heads', () => {
  const shape = { B: 1, T: 2, Hq: 3, Hkv: 2, D: 2 };
  assert.throws(() => attentionForward(new Float64Array(12), new Float64Array(6), new Float64Array(12),
    new Float64Array(8), new Float64Array(8), shape), /multiple of Hkv/);
});
