import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { getFastTextClass, getFastTextModule } from 'fasttext.wasm.js';
import type { Document } from '../../src/corpus/document.js';
import { calibrate } from '../../src/corpus/scores/calibrate.js';
import { readCutoffs } from '../../src/corpus/scores/cutoffs.js';
import { textChunks } from '../../src/corpus/scores/fasttext.js';
import { createScorer } from '../../src/corpus/scores/scorer.js';
import { createScoreFilterStep } from '../../src/corpus/steps/score-filter.js';
import { createToxicityStep } from '../../src/corpus/steps/toxicity.js';
import type { ExtraCounters, Step, Verdict } from '../../src/corpus/step.js';
import { seeded, tempDir } from '../helpers/corpus.js';

const CLEAN = 'the garden has lovely flowers and we met friends for lunch near a quiet river with old trees'.split(' ');
const TOXIC = ['shit', 'asshole', 'fuck'];
const TASK = { index: 0, inputFile: 'input.jsonl' };

/** What fastText's own model (the WASM build) is asked here: every label's probability. */
interface WasmClassifier {
  saveModel(): Blob;
  predict(text: string, k: number, threshold: number): { size(): number; get(i: number): [number, string]; delete(): void };
}

/**
 * Trains a tiny supervised fastText model (toxic vs clean) with fastText itself (the WASM build)
 * and saves it to `path`; returns fastText's model, the reference for our scores.
 */
async function trainToxicModel(path: string): Promise<WasmClassifier> {
  const lines: string[] = [];
  const toxic = ['you idiot moron', 'stupid idiot I hate you', 'moron trash loser', 'hate hate idiot scum'];
  const clean = ['lovely weather today', 'the garden has flowers', 'we met friends for lunch', 'a nice book about history'];
  for (let i = 0; i < 50; i++) {
    for (const t of toxic) lines.push(`__label__toxic ${t}`);
    for (const t of clean) lines.push(`__label__clean ${t}`);
  }
  // fasttext.wasm.js fetches its training file; Node's fetch reads data: URLs (not file: ones).
  const url = `data:text/plain;base64,${Buffer.from(`${lines.join('\n')}\n`).toString('base64')}`;
  const FastText = await getFastTextClass({ getFastTextModule: () => getFastTextModule() });
  const settings = { loss: 'softmax', epoch: 20, lr: 0.5, dim: 16, minCount: 1, bucket: 2000, seed: 1, verbose: 0 };
  // Training needs a progress callback (null crashes) and an explicit loss.
  const model = (await new FastText().trainSupervised(url, settings, () => undefined)) as WasmClassifier;
  await writeFile(path, new Uint8Array(await model.saveModel().arrayBuffer()));
  return model;
}

/** fastText's probability of `label` for one line (k = -1: all labels), 0 when it leaves the label out. */
function wasmProbability(model: WasmClassifier, line: string, label: string): number {
  const predictions = model.predict(line, -1, 0);
  try {
    for (let i = 0; i < predictions.size(); i++) {
      const [probability, name] = predictions.get(i);
      if (name === label) return Math.min(1, probability);
    }
    return 0;
  } finally {
    predictions.delete();
  }
}

/** Deterministic documents: `toxicShare` of them get 1-3 bad words. */
function corpus(language: string, count: number, toxicShare: number, seed: number): Document[] {
  const random = seeded(seed);
  return Array.from({ length: count }, (_, i) => {
    const words = Array.from({ length: 20 + Math.floor(random() * 40) }, () => CLEAN[Math.floor(random() * CLEAN.length)]!);
    if (random() < toxicShare) {
      const bad = 1 + Math.floor(random() * 3);
      for (let b = 0; b < bad; b++) words[Math.floor(random() * words.length)] = TOXIC[b]!;
    }
    return { id: `${language}-${i}`, text: words.join(' '), metadata: { language } };
  });
}

async function* stream(docs: Document[]): AsyncGenerator<Document> {
  for (const doc of docs) yield structuredClone(doc);
}

function applyAll(step: Step, docs: Document[]): { verdicts: Verdict[]; docs: Document[]; extra: ExtraCounters } {
  const extra: ExtraCounters = {};
  const copies = docs.map((d) => structuredClone(d));
  return { verdicts: copies.map((d) => step.apply(d, extra)), docs: copies, extra };
}

const reason = (v: Verdict) => (v.keep ? 'kept' : v.reason);

let dir: string;
let model: string;
let reference: WasmClassifier;
before(async () => {
  dir = await tempDir('toxicity');
  model = join(dir, 'toxic.bin');
  reference = await trainToxicModel(model);
});

describe('fastText classifier scorer', () => {
  it('scores by the label probability, the document by its most toxic chunk', async () => {
    const scorer = await createScorer({ scorer: 'fasttext', model, label: 'toxic', max_chunk_chars: 200 });
    assert.equal(scorer.name, 'fasttext(model=toxic.bin, label=__label__toxic, max_chunk_chars=200)');
    const doc = (text: string): Document => ({ id: 'x', text, metadata: {} });
    const toxic = scorer.score(doc('you stupid idiot moron'));
    const clean = scorer.score(doc('we met friends in the garden for lunch'));
    assert.ok(toxic > 0.9 && clean < 0.1, `toxic ${toxic}, clean ${clean}`);
    const mixed = scorer.score(doc('lovely weather today\n\nthe garden has flowers\n\nyou stupid idiot moron\n\na nice book'));
    assert.equal(mixed, toxic);
    assert.equal(scorer.score(doc('  \n ')), 0);
  });

  it('gives the scores fastText itself gives: the most toxic chunk\'s probability', async () => {
    const scorer = await createScorer({ scorer: 'fasttext', model, label: '__label__toxic', max_chunk_chars: 60 });
    const texts = [
      ...corpus('en', 30, 0.3, 6).map((d) => d.text),
      'lovely weather today\n\nyou stupid idiot moron\nhate trash\n\na nice book about history',
      'unknown words only: zxqv plorb',
    ];
    for (const text of texts) {
      const expected = Math.max(0, ...textChunks(text, 60).map((chunk) => wasmProbability(reference, chunk, '__label__toxic')));
      const score = scorer.score({ id: 'x', text, metadata: {} });
      assert.ok(Math.abs(score - expected) < 1e-5, `${text}: ${score} vs fastText ${expected}`);
    }
  });

  it('says what is wrong with the label or the model file', async () => {
    await assert.rejects(createScorer({ scorer: 'fasttext', model, label: 'spam', max_chunk_chars: 200 }), /no label spam \(its labels: __label__\w+, __label__\w+\)/);
    await assert.rejects(createScorer({ scorer: 'fasttext', model: join(dir, 'none.bin'), label: 'toxic', max_chunk_chars: 200 }), /none\.bin: fastText model file not found/);
    const bad = join(dir, 'bad.bin');
    await writeFile(bad, 'not a model'.repeat(20));
    await assert.rejects(createScorer({ scorer: 'fasttext', model: bad, label: 'toxic', max_chunk_chars: 200 }), /bad\.bin: not a fastText model file/);
  });

  it('chunks by paragraph, packs lines, cuts long lines at spaces', () => {
    assert.deepEqual(textChunks('a b\nc d\n\ne f', 100), ['a b c d', 'e f']);
    assert.deepEqual(textChunks('aaa bbb\nccc ddd', 8), ['aaa bbb', 'ccc ddd']);
    const long = textChunks('word '.repeat(100), 50);
    assert.ok(long.length >= 10 && long.every((c) => c.length <= 50 && !c.includes('wor d')));
  });
});

describe('toxicity step with the lexicon scorer', () => {
  const en = corpus('en', 300, 0.07, 1);
  const de = corpus('de', 150, 0.1, 2).map((d) => (d.text.includes('shit') ? { ...d, text: `${d.text} du arschloch` } : d));
  const sw = corpus('sw', 40, 0.5, 3);
  const all = [...en, ...de, ...sw];

  it('calibrates per language, then removes about 5% of each, never a clean document', async () => {
    const cutoffs = join(dir, 'lexicon.json');
    const summary = await calibrate(stream(all), { step: 'toxicity', cutoffs, min_per_language: 100 }, { sample: 10_000 });
    assert.equal(summary.out, cutoffs);
    assert.equal(summary.sample_size, all.length);
    assert.deepEqual(summary.languages.map((l) => [l.language, l.count, l.cutoff !== undefined]), [['de', 150, true], ['en', 300, true], ['sw', 40, false]]);
    assert.ok((await readCutoffs(cutoffs)).cutoffs.en! > 0, 'more than 5% of en has bad words: the cut-off is positive');

    const step = createToxicityStep({ cutoffs });
    await step.open!(TASK);
    const { verdicts, docs, extra } = applyAll(step, all);
    for (const [language, size] of [['en', 300], ['de', 150]] as const) {
      const removed = docs.filter((d, i) => d.metadata.language === language && !verdicts[i]!.keep);
      assert.ok(removed.length > 0 && removed.length <= size * 0.05 + 3, `${language}: ${removed.length} removed`);
      assert.ok(summary.languages.find((l) => l.language === language)!.removed_share! <= 0.05 + 1e-9);
      assert.ok(removed.every((d) => (d.metadata.toxicity_score as number) > 0));
    }
    assert.ok(docs.every((d) => typeof d.metadata.toxicity_score === 'number'));
    const reasons = new Set(verdicts.map(reason));
    assert.ok(reasons.has('toxicity_above_cutoff') && reasons.has('toxicity_random_drop_other_language'));
    assert.equal(extra.no_cutoff_language, 40);
    // The random drop of other languages is the same on a second run.
    const again = createToxicityStep({ cutoffs });
    await again.open!(TASK);
    assert.deepEqual(applyAll(again, sw).verdicts, verdicts.slice(450));
  });

  it('other_languages keep and drop', async () => {
    const cutoffs = join(dir, 'lexicon.json');
    for (const [mode, expected] of [['keep', 'kept'], ['drop', 'toxicity_language_without_cutoff']] as const) {
      const step = createToxicityStep({ cutoffs, other_languages: mode });
      await step.open!(TASK);
      assert.deepEqual(new Set(applyAll(step, sw).verdicts.map(reason)), new Set([expected]));
    }
  });

  it('refuses a missing file, another scorer or another percentile, and bad options', async () => {
    const missing = join(dir, 'missing.json');
    await assert.rejects(createToxicityStep({ cutoffs: missing }).open!(TASK), /missing\.json: cut-offs file not found: run `apertus data calibrate`/);
    const cutoffs = join(dir, 'lexicon.json');
    await assert.rejects(createToxicityStep({ cutoffs, scorer: 'fasttext', model }).open!(TASK), /computed with lexicon, but step toxicity scores with fasttext/);
    await assert.rejects(createToxicityStep({ cutoffs, percentile: 90 }).open!(TASK), /percentile 95, but step toxicity asks for 90/);
    assert.throws(() => createToxicityStep({ cutoffs, scorer: 'fasttext' }), /toxicity: scorer: fasttext needs model/);
    assert.throws(() => createToxicityStep({ cutoffs, other_languages: 'maybe' as 'keep' }), /toxicity: other_languages: /);
    assert.throws(() => createToxicityStep({ cutoffs }).apply(all[0]!, {}), /before open/);
  });
});

describe('toxicity step with a fastText classifier', () => {
  it('calibrates and filters with the model, writing the probability as toxicity_score', async () => {
    const cutoffs = join(dir, 'fasttext.json');
    const docs = corpus('en', 100, 0, 4);
    for (let i = 0; i < 10; i++) docs[i * 10]!.text += '\n\nyou stupid idiot moron';
    const options = { scorer: 'fasttext', model, cutoffs, min_per_language: 50 } as const;
    const summary = await calibrate(stream(docs), options, { sample: 1000 });
    assert.match(summary.score, /^fasttext\(model=toxic\.bin/);
    const step = createToxicityStep(options);
    await step.open!(TASK);
    const result = applyAll(step, docs);
    // The 10 documents with the same toxic paragraph tie at the top: the cut-off is their score
    // and a hash-chosen half of them goes (5% of 100).
    const removed = result.docs.filter((_, i) => !result.verdicts[i]!.keep);
    assert.equal(summary.languages[0]!.tie_share, 0.5);
    assert.ok(removed.length > 0 && removed.length < 10, `${removed.length} removed`);
    assert.ok(removed.every((d) => d.text.includes('idiot')));
    assert.ok(result.verdicts.every((v) => v.keep || v.reason === 'toxicity_at_cutoff_tie'));
    assert.ok(result.docs.every((d) => (d.metadata.toxicity_score as number) >= 0 && (d.metadata.toxicity_score as number) <= 1));
  });
});

describe('score_filter step', () => {
  const docs: Document[] = Array.from({ length: 200 }, (_, i) => ({ id: `q${i}`, text: 'x', metadata: { language: 'en', quality: (i + 1) / 10 } }));

  it('drops the lowest scores of a metadata field per language (drop_low)', async () => {
    const cutoffs = join(dir, 'quality.json');
    const options = { field: 'quality', direction: 'drop_low', percentile: 10, cutoffs, min_per_language: 10 } as const;
    const summary = await calibrate(stream(docs), { step: 'score_filter', ...options }, { sample: 1000 });
    assert.deepEqual(summary.languages, [{ language: 'en', count: 200, cutoff: 2.1, tie_share: 0, removed_share: 0.1 }]);
    assert.equal(summary.target_share, 0.1);
    const step = createScoreFilterStep(options);
    await step.open!(TASK);
    const { verdicts } = applyAll(step, docs);
    assert.equal(verdicts.filter((v) => !v.keep).length, 20);
    assert.deepEqual(verdicts[0], { keep: false, reason: 'score_below_cutoff', detail: 'en: 0.1 < 2.1' });
    // No score: kept by default, removed with missing: remove.
    const bare: Document = { id: 'b', text: 'x', metadata: { language: 'en' } };
    assert.deepEqual(step.apply(structuredClone(bare), {}), { keep: true });
    const strict = createScoreFilterStep({ ...options, missing: 'remove' });
    await strict.open!(TASK);
    assert.equal(reason(strict.apply(structuredClone(bare), {})), 'score_missing');
  });

  it('scores with a fastText model and writes <label>_score', async () => {
    const cutoffs = join(dir, 'score-model.json');
    const options = { model, label: '__label__toxic', cutoffs, min_per_language: 10 };
    await calibrate(stream(corpus('en', 50, 0, 5)), options, { sample: 1000 });
    const step = createScoreFilterStep(options);
    await step.open!(TASK);
    const doc: Document = { id: 'm', text: 'you stupid idiot moron', metadata: { language: 'en' } };
    assert.equal(reason(step.apply(doc, {})), 'score_above_cutoff');
    assert.ok((doc.metadata.toxic_score as number) > 0.9);
    assert.throws(() => createScoreFilterStep({ cutoffs }), /needs field .* or model/);
    assert.throws(() => createScoreFilterStep({ cutoffs, field: 'q', model }), /either field or model/);
  });
});
