// Perplexity, multiple choice and memorization against models whose answers are known (bigram
// tables: see helpers.ts), and the multiple-choice scorer against stub log-likelihoods.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tokenLogProbs } from '../../src/eval/loglikelihood.js';
import { evaluateMemorization } from '../../src/eval/memorization.js';
import { encodePair, modelLogLikelihood, parseTask, scoreRequests, scoreTask, type Request } from '../../src/eval/multiple-choice.js';
import { evaluatePerplexity } from '../../src/eval/perplexity.js';
import { seeded } from '../helpers/random.js';
import { bigramModel, chainTable, logSoftmax } from './helpers.js';

const V = 16;
const random = seeded(5);
const TABLE = Array.from({ length: V }, () => Array.from({ length: V }, () => 4 * (random() - 0.5)));
const LOG = TABLE.map(logSoftmax);
const near = (a: number, b: number, tol = 1e-4) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

function expectedLogProbs(ids: number[]): number[] {
  return ids.slice(1).map((next, t) => LOG[ids[t]!]![next]!);
}

test('token log-probs of a bigram model are its table, batched and padded', () => {
  const model = bigramModel(TABLE);
  const sequences = [[1, 5, 9, 3], [4, 4], [0, 15, 2, 7, 7, 11, 6]];
  const got = tokenLogProbs(model, sequences, { batchSize: 2 });
  sequences.forEach((s, i) => expectedLogProbs(s).forEach((lp, t) => near(got[i]![t]!, lp)));
});

test('perplexity: loss, ppl, bits per byte and per language; windows do not change a bigram score', async () => {
  const model = bigramModel(TABLE, 8);
  const docs = [
    { ids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], language: 'en' },
    { ids: [5, 5, 5], language: 'de' },
    { ids: [9, 3, 14, 2], language: 'en' },
    { ids: [7] }, // one token: nothing to predict
  ];
  const nats = (ids: number[]) => -expectedLogProbs(ids).reduce((a, b) => a + b, 0);
  const en = nats(docs[0]!.ids) + nats(docs[2]!.ids), de = nats(docs[1]!.ids);
  const tokenBytes = (id: number) => (id === 2 ? 0 : 1 + (id % 3));
  const bytesOf = (ids: number[]) => ids.slice(1).reduce((s, id) => s + tokenBytes(id), 0);
  for (const context of [3, 7]) {
    const report = await evaluatePerplexity(model, docs, { context, tokenBytes, batchSize: 3 });
    assert.equal(report.tokens, 11 + 2 + 3);
    assert.equal(report.documents, 3);
    near(report.loss, (en + de) / 16);
    near(report.perplexity, Math.exp((en + de) / 16));
    near(report.bits_per_byte!, (en + de) / Math.LN2 / (bytesOf(docs[0]!.ids) + bytesOf(docs[1]!.ids) + bytesOf(docs[2]!.ids)));
    assert.deepEqual(Object.keys(report.languages!), ['en', 'de']);
    near(report.languages!.en!.loss, en / 14);
    near(report.languages!.de!.loss, de / 2);
  }
  const unlabelled = await evaluatePerplexity(model, [{ ids: [1, 2, 3] }]);
  assert.equal(unlabelled.languages, undefined);
  assert.equal(unlabelled.bits_per_byte, null);
});

test('multiple choice: acc and acc_norm from known log-likelihoods (stub)', () => {
  const items = parseTask([
    '{"context": "q1", "choices": [" a", " bbbbbbbb"], "gold": 1}',
    '{"query": "q2", "choices": [" x", " y", " z"], "gold": 0}',
    '{"context": "q3", "choices": [" long answer", " no"], "gold": 0}',
  ].join('\n'), 'task.jsonl');
  // per item, per choice: the log-likelihood the stub returns
  const known = [[-2, -4], [-1, -3, -0.5], [-6, -3]];
  const requests: Request[][] = known.map((lls, i) => lls.map((_, c) => ({ context: [i], continuation: [c + 1] })));
  const stub = (rs: Request[]) => rs.map((r) => known[r.context[0]!]![r.continuation[0]! - 1]!);
  const report = scoreRequests(items, requests, stub);
  // item 1: acc picks " a" (-2 > -4): wrong; norm: -2/2 = -1 vs -4/9: picks gold
  // item 2: picks " z" (-0.5): wrong either way; item 3: raw picks " no" (wrong), norm -6/12 > -3/3: right
  assert.deepEqual(report.scores.map((s) => [s.prediction, s.prediction_norm]), [[0, 1], [2, 2], [1, 0]]);
  near(report.acc, 0);
  near(report.acc_norm, 2 / 3);
  near(report.chance, (1 / 2 + 1 / 3 + 1 / 2) / 3);
  assert.throws(() => parseTask('{"context": "c", "choices": ["a", "b"], "gold": 2}', 't.jsonl'), /t\.jsonl:1: .*gold.*not an index/);
});

test('multiple choice: the harness tokenization, and a bigram model that knows the answers', () => {
  // characters as tokens (a BPE would merge across the boundary; the harness keeps what follows the context)
  const tokenizer = { vocabSize: V, encode: (t: string) => [...t].map((c) => c.charCodeAt(0) - 96), decode: () => '', decodeBytes: () => new Uint8Array(), specialId: () => undefined };
  // the trailing space of the context moves to the continuation
  assert.deepEqual(encodePair({ ...tokenizer, encode: (t: string) => [...t].map((c) => (c === ' ' ? 0 : c.charCodeAt(0) - 96)) }, 'ab ', 'c', 2), { context: [1, 2], continuation: [0, 3] });
  assert.deepEqual(encodePair(tokenizer, '', 'cd', 2), { context: [2], continuation: [3, 4] });
  // a chain model: after c comes c + 1 (a = 1, b = 2, ...)
  const model = bigramModel(chainTable(V));
  const items = parseTask([
    '{"context": "abc", "choices": ["def", "dhe", "ab"], "gold": 0}',
    '{"context": "gh", "choices": ["ij", "ik"], "gold": 0}',
    '{"context": "", "choices": ["cd", "ca"], "gold": 0}',
  ].join('\n'), 'chain.jsonl');
  const report = scoreTask(items, tokenizer, modelLogLikelihood(model, { batchSize: 2 }), 2);
  assert.equal(report.acc, 1);
  assert.equal(report.acc_norm, 1);
  // and the log-likelihood is the table's: "abc" + "def" = log p(d|c) + log p(e|d) + log p(f|e)
  const chain = chainTable(V).map(logSoftmax);
  near(report.scores[0]!.loglikelihoods[0]!, chain[3]![4]! * 3);
  near(report.scores[0]!.loglikelihoods[2]!, chain[3]![1]! + chain[1]![2]!);
});

test('memorization: a chain model reproduces chain probes, not others; buckets and control', () => {
  const model = bigramModel(chainTable(V, 30));
  const chain = (start: number, n: number) => Array.from({ length: n }, (_, i) => (start + i) % V);
  const probes = [
    { id: 'a', bucket: 4, ids: chain(1, 12) },
    { id: 'b', bucket: 4, ids: [...chain(3, 6), 9, 9, 9, 9, 9, 9] },
    { id: 'c', bucket: 0, ids: [5, 6, 7, 8, 9, 10, 0, 1, 2, 3, 4, 5] },
    { id: 'short', bucket: 1, ids: [1, 2, 3] },
  ];
  const report = evaluateMemorization(model, probes, { prefixLengths: [4, 6], suffixLength: 6, decodings: ['greedy', 'nucleus'] });
  assert.deepEqual(report.skipped, { 4: 1, 6: 1 });
  const greedy = (id: string, P: number) => report.probes.find((r) => r.id === id && r.prefix === P && r.decoding === 'greedy')!;
  assert.equal(greedy('a', 4).exact_match, 1);
  assert.deepEqual(greedy('a', 4).generated, chain(5, 6));
  // b: prefix 6 ends at 8, generated 9 10 11 12 13 14 vs 9 9 9 9 9 9: LCS 1, run 1
  assert.equal(greedy('b', 6).exact_match, 0);
  near(greedy('b', 6).rouge_l, 1 / 6);
  near(greedy('b', 6).lccs, 1 / 6);
  // c with prefix 6: generated 11 12 13 14 15 0 vs 0 1 2 3 4 5: only "0" in common
  near(greedy('c', 6).rouge_l, 1 / 6);
  const bucket = (P: number, decoding: string, b: number) => report.buckets.find((x) => x.prefix === P && x.decoding === decoding && x.bucket === b)!;
  assert.deepEqual(report.buckets.map((b) => [b.prefix, b.decoding, b.bucket]), [
    [4, 'greedy', 0], [4, 'greedy', 4], [4, 'nucleus', 0], [4, 'nucleus', 4], [6, 'greedy', 0], [6, 'greedy', 4], [6, 'nucleus', 0], [6, 'nucleus', 4],
  ]);
  near(bucket(4, 'greedy', 4).exact_match, 0.5);
  assert.equal(bucket(4, 'greedy', 4).probes, 2);
  // with logit 30 the nucleus is the chain token alone: sampling agrees with greedy
  near(bucket(4, 'nucleus', 4).exact_match, 0.5);
});
