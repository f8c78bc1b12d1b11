// ROUGE-L, LCCS and exact match against examples computed by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exactMatch, lcsLength, longestCommonSubstring, rougeL, scoreContinuation } from '../../src/eval/rouge.js';

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);

test('longest common subsequence', () => {
  // ABCBDAB / BDCABA: the textbook example, LCS = 4 (BCBA)
  const A = 1, B = 2, C = 3, D = 4;
  assert.equal(lcsLength([A, B, C, B, D, A, B], [B, D, C, A, B, A]), 4);
  assert.equal(lcsLength([1, 2, 3], [4, 5, 6]), 0);
  assert.equal(lcsLength([], [1, 2]), 0);
  assert.equal(lcsLength([7, 7, 7], [7, 7]), 2);
  assert.equal(lcsLength(Int32Array.of(5, 6, 7, 8), [5, 9, 7, 8]), 3);
});

test('ROUGE-L F1 as rouge_score: reference "the cat sat on the mat", candidate "the cat lay on a mat"', () => {
  // ids: the 1, cat 2, sat 3, on 4, mat 5, lay 6, a 7; LCS = the cat on mat = 4
  const reference = [1, 2, 3, 4, 1, 5];
  const candidate = [1, 2, 6, 4, 7, 5];
  const r = rougeL(reference, candidate);
  close(r.precision, 4 / 6);
  close(r.recall, 4 / 6);
  close(r.f1, 4 / 6);
  // unequal lengths: reference 4 tokens, candidate 2 of them in order: P = 1, R = 0.5, F1 = 2/3
  const s = rougeL([1, 2, 3, 4], [2, 4]);
  close(s.precision, 1);
  close(s.recall, 0.5);
  close(s.f1, 2 / 3);
  assert.deepEqual(rougeL([1, 2], [3, 4]), { precision: 0, recall: 0, f1: 0 });
  assert.deepEqual(rougeL([1, 2], []), { precision: 0, recall: 0, f1: 0 });
});

test('longest common contiguous substring', () => {
  assert.equal(longestCommonSubstring([1, 2, 3, 4, 5], [9, 2, 3, 4, 8]), 3);
  // subsequence 1 2 3 is common, but never contiguous in both
  assert.equal(longestCommonSubstring([1, 2, 3], [1, 9, 2, 9, 3]), 1);
  assert.equal(longestCommonSubstring([1, 2, 1, 2, 1], [2, 1, 2, 1, 2]), 4);
  assert.equal(longestCommonSubstring([1], [2]), 0);
});

test('exact match and the per-continuation scores', () => {
  assert.equal(exactMatch([1, 2, 3], Int32Array.of(1, 2, 3)), true);
  assert.equal(exactMatch([1, 2, 3], [1, 2]), false);
  assert.deepEqual(scoreContinuation([1, 2, 3, 4], [1, 2, 3, 4]), { exact_match: 1, rouge_l: 1, lccs: 1 });
  // S = 4; generated 1 2 9 4: LCS 3 -> F1 3/4; longest run 1 2 -> 2/4
  const s = scoreContinuation([1, 2, 3, 4], [1, 2, 9, 4]);
  assert.equal(s.exact_match, 0);
  close(s.rouge_l, 0.75);
  close(s.lccs, 0.5);
});
