import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createCutoffRule, idUniform } from '../../src/corpus/scores/cutoff-rule.js';
import { computeCutoffs, quantile, readCutoffs, removedShare, writeCutoffs, type CutoffsFile } from '../../src/corpus/scores/cutoffs.js';
import { tempDir } from '../helpers/corpus.js';

const samples = (language: string, scores: number[]) => scores.map((score) => ({ language, score }));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const file = (cutoffs: Record<string, number>, percentile = 95, tie_shares: Record<string, number> = {}): CutoffsFile => ({
  score: 'lexicon',
  direction: 'drop_high',
  percentile,
  tie_shares,
  sample_size: 0,
  min_per_language: 1,
  cutoffs,
  counts: Object.fromEntries(Object.keys(cutoffs).map((l) => [l, 100])),
});

describe('computeCutoffs', () => {
  it('gives the exact inverted-CDF quantile per language', async () => {
    const result = await computeCutoffs([...samples('en', range(1, 100)), ...samples('de', range(1, 200).reverse())], 95, 10);
    assert.equal(result.cutoffs.en, 95);
    assert.equal(result.cutoffs.de, 190);
    assert.deepEqual(result.tails.en, { beyond: 5, tied: 1 });
    assert.deepEqual(result.tie_shares, {});
    assert.deepEqual(result.counts, { de: 200, en: 100 });
    assert.equal(result.sample_size, 300);
  });

  it('never puts more than the target share strictly beyond the cut-off, even on awkward sizes', async () => {
    for (const n of [1, 7, 19, 20, 21, 99, 101, 1000]) {
      for (const percentile of [1, 5, 50, 90, 95, 99, 99.9]) {
        const sorted = Float64Array.from(range(1, n));
        const above = sorted.filter((s) => s > quantile(sorted, percentile)).length;
        assert.ok(above <= ((100 - percentile) * n) / 100 + 1e-9, `n=${n} p=${percentile}: ${above} above`);
        const low = await computeCutoffs(samples('en', range(1, n)), percentile, 1, 'drop_low');
        const below = range(1, n).filter((s) => s < low.cutoffs.en!).length;
        assert.ok(below <= (percentile * n) / 100 + 1e-9, `n=${n} p=${percentile}: ${below} below`);
        assert.equal(low.tails.en!.beyond, below);
      }
    }
  });

  it('leaves languages with too few documents without a cut-off, but counts them', async () => {
    const result = await computeCutoffs([...samples('en', range(1, 100)), ...samples('sw', [1, 2, 3])], 95, 100);
    assert.deepEqual(Object.keys(result.cutoffs), ['en']);
    assert.equal(result.counts.sw, 3);
  });

  it('accepts async iterables and rejects scores that are not finite', async () => {
    async function* gen() {
      yield { language: 'en', score: 1 };
      yield { language: 'en', score: Number.NaN };
    }
    await assert.rejects(computeCutoffs(gen(), 95, 1), /not a finite number/);
  });
});

describe('ties and zero scores', () => {
  it('with 97% zeros: cut-off 0, only the 3% positive go, no zero-score document ever', async () => {
    const scores = [...Array(97).fill(0), 0.5, 2, 9];
    const { cutoffs } = await computeCutoffs(samples('en', scores), 95, 1);
    assert.equal(cutoffs.en, 0);
    const rule = createCutoffRule(file(cutoffs), { direction: 'drop_high', otherLanguages: 'keep', salt: 't' });
    const removed = scores.filter((s, i) => rule('en', s, `d${i}`).remove);
    assert.deepEqual(removed, [0.5, 2, 9]);
  });

  it('with 90% zeros: the cut-off rises into the positive scores and at most 5% go', async () => {
    const scores = [...Array(90).fill(0), ...range(1, 10)];
    const { cutoffs } = await computeCutoffs(samples('en', scores), 95, 1);
    assert.equal(cutoffs.en, 5);
    const rule = createCutoffRule(file(cutoffs), { direction: 'drop_high', otherLanguages: 'keep', salt: 't' });
    const removed = scores.filter((s, i) => rule('en', s, `d${i}`).remove);
    assert.deepEqual(removed, [6, 7, 8, 9, 10]);
  });

  it('removes a hash-chosen share of a tie that the target cuts through (a saturated classifier)', async () => {
    // 90% at 0.2, 10% saturated at 1.0: the cut-off is 1.0 and half of the 1.0 block must go.
    const scores = [...Array(1800).fill(0.2), ...Array(200).fill(1)];
    const result = await computeCutoffs(samples('en', scores), 95, 1);
    assert.equal(result.cutoffs.en, 1);
    assert.deepEqual(result.tie_shares, { en: 0.5 });
    assert.deepEqual(result.tails.en, { beyond: 0, tied: 200 });
    const rule = createCutoffRule({ ...file(result.cutoffs, 95, result.tie_shares) }, { direction: 'drop_high', otherLanguages: 'keep', salt: 't' });
    const outcomes = scores.map((s, i) => rule('en', s, `d${i}`));
    const removed = outcomes.filter((o) => o.remove);
    assert.ok(Math.abs(removed.length - 100) < 30, `${removed.length} removed`);
    assert.ok(outcomes.slice(0, 1800).every((o) => !o.remove));
    assert.ok(removed.every((o) => o.remove && o.why === 'tie_at_cutoff'));
    assert.deepEqual(rule('en', 1.000001, 'x'), { remove: true, why: 'beyond_cutoff', cutoff: 1 });
  });

  it('keeps every document exactly at a cut-off that is the lowest score (no tie share at the floor)', async () => {
    const result = await computeCutoffs(samples('en', [...Array(99).fill(0), 3]), 95, 1);
    assert.equal(result.cutoffs.en, 0);
    assert.deepEqual(result.tie_shares, {});
  });

  it('drop_low removes strictly below the cut-off, the mirror image', async () => {
    const result = await computeCutoffs(samples('en', range(1, 100)), 10, 1, 'drop_low');
    assert.equal(result.cutoffs.en, 11);
    const rule = createCutoffRule({ ...file(result.cutoffs, 10), direction: 'drop_low' }, { direction: 'drop_low', otherLanguages: 'keep', salt: 't' });
    assert.deepEqual(range(1, 100).filter((s) => rule('en', s, 'x').remove), range(1, 10));
    assert.equal(removedShare('drop_low', 10), 0.1);
    // The floor of drop_low is the highest score: a block of top scores is never cut into.
    const top = await computeCutoffs(samples('en', [0, ...Array(99).fill(1)]), 10, 1, 'drop_low');
    assert.deepEqual([top.cutoffs.en, top.tie_shares], [1, {}]);
  });
});

describe('languages without a cut-off', () => {
  const ids = Array.from({ length: 20_000 }, (_, i) => `doc-${i}`);

  it('random: drops about (100 - percentile)%, the same documents every time', () => {
    const rule = createCutoffRule(file({ en: 1 }), { direction: 'drop_high', otherLanguages: 'random', salt: 'toxicity' });
    const dropped = ids.filter((id) => rule('sw', 100, id).remove);
    assert.ok(Math.abs(dropped.length / ids.length - 0.05) < 0.006, `${dropped.length} dropped`);
    const again = createCutoffRule(file({ en: 1 }), { direction: 'drop_high', otherLanguages: 'random', salt: 'toxicity' });
    assert.deepEqual(ids.filter((id) => again('sw', 0, id).remove), dropped);
    assert.deepEqual(rule('sw', 0, dropped[0]!), { remove: true, why: 'random_drop_other_language' });
  });

  it('the salt decorrelates two steps; the hash is uniform', () => {
    const a = new Set(ids.filter((id) => idUniform(id, 'a') < 0.05));
    const both = ids.filter((id) => a.has(id) && idUniform(id, 'b') < 0.05).length;
    assert.ok(both < 100, `${both} dropped by both`);
    const deciles = Array(10).fill(0);
    for (const id of ids) deciles[Math.floor(idUniform(id, 'a') * 10)]++;
    for (const count of deciles) assert.ok(Math.abs(count - 2000) < 200);
  });

  it('keep and drop', () => {
    const keep = createCutoffRule(file({ en: 1 }), { direction: 'drop_high', otherLanguages: 'keep', salt: 's' });
    const drop = createCutoffRule(file({ en: 1 }), { direction: 'drop_high', otherLanguages: 'drop', salt: 's' });
    assert.ok(ids.every((id) => !keep('sw', 9, id).remove));
    assert.deepEqual(drop('sw', 0, 'x'), { remove: true, why: 'language_without_cutoff' });
  });
});

describe('cut-offs file', () => {
  it('round-trips, with languages in sorted order', async () => {
    const dir = await tempDir('cutoffs');
    const path = join(dir, 'sub', 'cutoffs.json');
    const written = { ...file({ fr: 2, de: 1.5 }, 95, { fr: 0.25 }), sample_size: 200 };
    await writeCutoffs(path, written);
    assert.deepEqual(await readCutoffs(path), written);
  });

  it('tells the user to calibrate when the file is missing', async () => {
    const path = join(await tempDir('cutoffs'), 'none.json');
    await assert.rejects(readCutoffs(path), (err: Error) => err.message.includes(path) && err.message.includes('apertus data calibrate'));
  });

  it('names the file and the field of every problem', async () => {
    const dir = await tempDir('cutoffs');
    const cases: Array<[string, RegExp]> = [
      ['{"score": "lexicon",', /not valid JSON/],
      [JSON.stringify({ ...file({ en: 1 }), percentile: 150 }), /: percentile: /],
      [JSON.stringify({ ...file({ en: 1 }), cutoffs: { en: 'high' } }), /: cutoffs\.en: expected number/],
      [JSON.stringify({ ...file({ en: 1 }), counts: {} }), /: counts\.en: missing/],
      [JSON.stringify({ percentile: 95 }), /: score: /],
      [JSON.stringify({ ...file({ en: 1 }), tie_shares: { de: 0.5 } }), /: tie_shares\.de: language has no cut-off/],
      [JSON.stringify({ ...file({ en: 1 }), direction: 'up' }), /: direction: /],
    ];
    for (const [i, [text, expected]] of cases.entries()) {
      const path = join(dir, `bad-${i}.json`);
      await writeFile(path, text);
      await assert.rejects(readCutoffs(path), (err: Error) => err.message.startsWith(path) && expected.test(err.message));
    }
  });
});
