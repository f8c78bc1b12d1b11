import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import type { Document } from '../../src/corpus/document.js';
import type { GlobalStep, ResolveSummary } from '../../src/corpus/global-step.js';
import type { Verdict } from '../../src/corpus/step.js';
import { createExactDedupStep, createMinhashStep, MinhashSigner, normaliseText, normaliseWhitespace } from '../../src/corpus/dedup/index.js';
import { referenceMinhash, referenceXxh64 } from '../../src/corpus/dedup/reference.js';
import { seeded, tempDir } from '../helpers/corpus.js';

interface Outcome {
  summary: ResolveSummary;
  verdicts: Map<string, Verdict>;
  metadata: Map<string, Record<string, unknown>>;
}

/** Runs a global step's three phases over documents split into tasks, as the engine would. */
async function runGlobal(step: GlobalStep, tasks: Document[][], dir?: string): Promise<Outcome> {
  const folder = dir ?? (await tempDir('dedup'));
  for (const [index, docs] of tasks.entries()) {
    const collector = await step.collect({ index, inputFile: `task-${index}` }, folder);
    docs.forEach((doc, ordinal) => collector.add(doc, ordinal));
    await collector.finish();
  }
  const summary = await step.resolve(tasks.length, folder);
  const verdicts = new Map<string, Verdict>();
  const metadata = new Map<string, Record<string, unknown>>();
  for (const [index, docs] of tasks.entries()) {
    const filter = await step.filter({ index, inputFile: `task-${index}` }, folder);
    docs.forEach((original, ordinal) => {
      const doc = { ...original, metadata: {} };
      verdicts.set(doc.id, filter.apply(doc, ordinal, {}));
      metadata.set(doc.id, doc.metadata);
    });
  }
  if (!dir) await rm(folder, { recursive: true, force: true });
  return { summary, verdicts, metadata };
}

/** Documents split into `parts` contiguous tasks of uneven sizes. */
function split(docs: Document[], parts: number): Document[][] {
  const cuts = Array.from({ length: parts - 1 }, (_, i) => Math.floor((docs.length * (i + 1) * (i + 2)) / (parts * (parts + 1))));
  return [0, ...cuts, docs.length].slice(1).map((end, i, ends) => docs.slice(i === 0 ? 0 : ends[i - 1], end));
}

const removed = (o: Outcome): string[] => [...o.verdicts].filter(([, v]) => !v.keep).map(([id]) => id).sort();
const doc = (id: string, text: string, extra: Partial<Document> = {}): Document => ({ id, text, metadata: {}, ...extra });

/** The normalisation as a chain of regex replaces (slow, obviously right): the fast pass must agree. */
function regexNormalise(text: string): string {
  return text.toLowerCase().normalize('NFD').replace(/[\p{Mn}\p{Me}\p{Cf}]+/gu, '').replace(/\p{Nd}+(?:[.,]\p{Nd}+)*/gu, '0')
    .replace(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Bopomofo}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/gu, ' $& ')
    .replace(/[\p{P}\p{S}\p{Z}\p{Cc}\s]+/gu, ' ').trim();
}

test('normalisation: case, accents, numbers, Unicode punctuation, spacing, unspaced scripts', () => {
  assert.equal(normaliseText('Héllo,   WORLD!\tÇa va?'), 'hello world ca va');
  assert.equal(normaliseText('In 2023, 1,000.5 people paid $3.50.'), 'in 0 0 people paid 0');
  assert.equal(normaliseText('«Bonjour» — dit-il… ¿Qué? Ελληνικά ΣΟΦΟΣ İstanbul'), 'bonjour dit il que ελληνικα σοφος istanbul');
  assert.equal(normaliseText('Straße № ٣٤ 😀 ok'), 'straße 0 ok');
  assert.equal(normaliseText('我爱北京。天安门'), '我 爱 北 京 天 安 门');
  assert.equal(normaliseText('ภาษาไทย'), 'ภ า ษ า ไ ท ย');
  assert.equal(normaliseText('soft\u00adhyphen zero\u200bwidth'), 'softhyphen zerowidth');
  assert.equal(normaliseText(' \n\t '), '');
  assert.equal(normaliseWhitespace('  Hello \n\n WORLD! '), 'hello world!');
  const random = seeded(3);
  const pieces = ['a', 'É', 'ß', 'İ', 'Σ', '1', '٣', '.', ',', ' ', '\n', '中', '𠀀', '😀', 'か', 'ー', 'ไ', '한', 'e\u0301', '\u0301', '\u00ad', '-', '$', '\u00a0', 'ﬁ', '𝟏', '\ud800'];
  for (let t = 0; t < 20000; t++) {
    const text = Array.from({ length: 1 + Math.floor(random() * 10) }, () => pieces[Math.floor(random() * pieces.length)]).join('');
    assert.equal(Buffer.from(normaliseText(text)).toString('hex'), Buffer.from(regexNormalise(text)).toString('hex'), JSON.stringify(text));
  }
});

test('the WebAssembly kernel matches the BigInt reference (xxHash64 and MinHash)', () => {
  const signer = new MinhashSigner({ nGrams: 5, numBuckets: 14, hashesPerBucket: 8, seed: 1 });
  const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
  assert.equal(signer.xxh64(bytes('')), 0xef46db3751d8e999n);
  assert.equal(signer.xxh64(bytes('abc')), 0x44bc2cf5ad770999n);
  for (let length = 0; length < 80; length++) {
    const input = Uint8Array.from({ length }, (_, i) => (i * 37 + length * 11) & 255);
    assert.equal(signer.xxh64(input), referenceXxh64(input), `length ${length}`);
  }
  for (const text of ['one two', 'Der schnelle braune Fuchs springt über den faulen Hund, zweimal: der schnelle braune Fuchs!', '我爱北京天安门，天安门上太阳升']) {
    assert.ok(signer.sign(text) > 0);
    const words = normaliseText(text).split(' ');
    const n = Math.min(5, words.length);
    const shingles = Array.from({ length: words.length - n + 1 }, (_, i) => referenceXxh64(bytes(words.slice(i, i + n).join(' '))));
    assert.deepEqual([...signer.signature()], referenceMinhash(shingles, signer.parameters.a, signer.parameters.b));
  }
});

/** Seeded pseudo-words with a Zipf-like frequency, like natural text. */
function makeWriter(seed: number): (words: number) => string[] {
  const random = seeded(seed);
  const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'den', 'gar', 'hul', 'ist', 'pon', 'ter', 'wel', 'zu'];
  const vocabulary = Array.from({ length: 5000 }, () => Array.from({ length: 1 + Math.floor(random() * 3) }, () => syllables[Math.floor(random() * syllables.length)]).join(''));
  return (count) => Array.from({ length: count }, () => vocabulary[Math.floor(vocabulary.length ** random()) - 1]!);
}

function shingleSet(text: string): Set<string> {
  const words = normaliseText(text).split(' ');
  const n = Math.min(5, words.length);
  return new Set(Array.from({ length: words.length - n + 1 }, (_, i) => words.slice(i, i + n).join(' ')));
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let shared = 0;
  for (const s of a) if (b.has(s)) shared++;
  return shared / (a.size + b.size - shared);
}

/** 1,000 base documents of 200-400 words, 300 close copies (a few words edited) and 150 looser ones. */
function plantedSet(): { docs: Document[]; pairs: Array<[string, string, number]> } {
  const random = seeded(11);
  const write = makeWriter(5);
  const base = Array.from({ length: 1000 }, () => write(200 + Math.floor(random() * 200)));
  const docs = base.map((words, i) => doc(`base-${i}`, words.join(' ')));
  const variants: Document[] = [];
  for (let v = 0; v < 450; v++) {
    const of = Math.floor(random() * base.length);
    const words = [...base[of]!];
    // Close copies: 1-2 words replaced, or a short tail added; loose ones: 5-15% of words replaced.
    const edits = v < 300 ? 1 + Math.floor(random() * 2) : Math.floor(words.length * (0.05 + 0.1 * random()));
    if (v % 3 === 0 && v < 300) words.push(...write(3));
    else for (let e = 0; e < edits; e++) words[Math.floor(random() * words.length)] = write(1)[0]!;
    variants.push(doc(`variant-${v}-of-${of}`, (v % 2 ? words.join(' ').toUpperCase() : words.join(' ')) + (v % 5 === 0 ? ' !!!' : '')));
  }
  const all = [...docs, ...variants];
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  const pairs = variants.map((v): [string, string, number] => {
    const of = v.id.split('-of-')[1]!;
    return [v.id, `base-${of}`, jaccard(shingleSet(v.text), shingleSet(docs[Number(of)]!.text))];
  });
  return { docs: all, pairs };
}

/** The highest Jaccard of each document to any other (through an index of shared shingles). */
function maxJaccard(docs: Document[]): Map<string, number> {
  const sets = docs.map((d) => shingleSet(d.text));
  const index = new Map<string, number[]>();
  sets.forEach((set, i) => set.forEach((s) => (index.get(s) ?? index.set(s, []).get(s)!).push(i)));
  return new Map(docs.map((d, i) => {
    const others = new Set([...sets[i]!].flatMap((s) => index.get(s)!).filter((j) => j !== i));
    return [d.id, Math.max(0, ...[...others].map((j) => jaccard(sets[i]!, sets[j]!)))];
  }));
}

test('minhash_dedup meets the quality bar on a planted set, whatever the split into tasks', async () => {
  const { docs, pairs } = plantedSet();
  const one = await runGlobal(createMinhashStep({ n_grams: 5, num_buckets: 14, hashes_per_bucket: 8, seed: 1, keep: 'first' }), [docs]);
  const three = await runGlobal(createMinhashStep({ n_grams: 5, num_buckets: 14, hashes_per_bucket: 8, seed: 1, keep: 'first' }), split(docs, 3));
  const caught = (a: string, b: string): boolean => !one.verdicts.get(a)!.keep || !one.verdicts.get(b)!.keep;
  const close = pairs.filter(([, , j]) => j >= 0.9);
  const closeRate = close.filter(([a, b]) => caught(a, b)).length / close.length;
  const loose = pairs.filter(([, , j]) => j < 0.9);
  const looseRate = loose.filter(([a, b]) => caught(a, b)).length / loose.length;
  const best = maxJaccard(docs);
  const unrelated = docs.filter((d) => best.get(d.id)! < 0.5);
  const falseRate = unrelated.filter((d) => !one.verdicts.get(d.id)!.keep).length / unrelated.length;
  process.stdout.write(`# planted set: ${close.length} pairs with Jaccard >= 0.9, ${(100 * closeRate).toFixed(1)}% removed; ` +
    `${loose.length} looser pairs (Jaccard ${Math.min(...loose.map((p) => p[2])).toFixed(2)}-${Math.max(...loose.map((p) => p[2])).toFixed(2)}), ${(100 * looseRate).toFixed(1)}% removed; ` +
    `${unrelated.length} documents with Jaccard < 0.5 to all others, ${(100 * falseRate).toFixed(2)}% wrongly removed; summary ${JSON.stringify(one.summary)}\n`);
  assert.ok(close.length >= 250, `planted ${close.length} close pairs`);
  assert.ok(closeRate >= 0.95, `close pairs removed: ${closeRate}`);
  assert.ok(falseRate < 0.01, `unrelated removed: ${falseRate}`);
  // Same decisions with 1 and 3 tasks: same removals, same kept documents named, same cluster sizes.
  assert.deepEqual(removed(three), removed(one));
  assert.deepEqual(three.verdicts, one.verdicts);
  assert.deepEqual(three.metadata, one.metadata);
  assert.deepEqual({ ...three.summary }, { ...one.summary });
  const clustered = [...one.metadata.values()].filter((m) => m.minhash_cluster_size !== undefined);
  assert.equal(clustered.reduce((n, m) => n + (m.minhash_cluster_size as number) - 1, 0), removed(one).length);
});

test('minhash_dedup: empty documents are skipped, short ones are one shingle, several-MB ones work', async () => {
  const write = makeWriter(9);
  const big = write(600_000).join(' ');
  assert.ok(big.length > 3_000_000);
  const bigEdited = big.replace(/ \S+$/, ' changedword');
  const docs = [doc('empty', ''), doc('blank', ' \n\t '), doc('punct', '!!! ...'), doc('short', 'Hello world'), doc('short-copy', 'hello, WORLD!'),
    doc('short-other', 'hello there'), doc('big', big), doc('big-edited', bigEdited), doc('big-other', write(600_000).join(' '))];
  const out = await runGlobal(createMinhashStep({ n_grams: 5, num_buckets: 14, hashes_per_bucket: 8, seed: 1, keep: 'first' }), split(docs, 2));
  assert.deepEqual(removed(out), ['big-edited', 'short-copy']);
  assert.deepEqual(out.verdicts.get('big-edited'), { keep: false, reason: 'minhash_duplicate', detail: 'big' });
  assert.equal(out.metadata.get('big')!.minhash_cluster_size, 2);
  assert.equal(out.metadata.get('short')!.minhash_cluster_size, 2);
  assert.equal(out.metadata.get('big-other')!.minhash_cluster_size, undefined);
  assert.equal(out.summary.skipped, 3);
  assert.equal(out.summary.documents, 9);
});

test('exact_dedup: whitespace and case variants, normalisation modes, other fields', async () => {
  const docs = [doc('a', 'Hello World'), doc('b', 'hello   world'), doc('c', 'HELLO WORLD!'), doc('d', 'Hello, world.'), doc('e', 'Hello there'),
    doc('f', ''), doc('g', '  '), doc('h', 'Hello World')];
  const full = await runGlobal(createExactDedupStep({ normalise: 'full', field: 'text' }), split(docs, 3));
  assert.deepEqual(removed(full), ['b', 'c', 'd', 'h']);
  assert.deepEqual(full.verdicts.get('c'), { keep: false, reason: 'exact_duplicate', detail: 'a' });
  assert.equal(full.metadata.get('a')!.exact_dup_count, 5);
  assert.equal(full.metadata.get('e')!.exact_dup_count, undefined);
  assert.deepEqual({ ...full.summary }, { documents: 8, skipped: 2, duplicates: 4, groups: 1 });
  const spaces = await runGlobal(createExactDedupStep({ normalise: 'whitespace', field: 'text' }), [docs]);
  assert.deepEqual(removed(spaces), ['b', 'h']);
  const none = await runGlobal(createExactDedupStep({ normalise: 'none', field: 'text' }), [docs]);
  assert.deepEqual(removed(none), ['h']);
  const byUrl = await runGlobal(createExactDedupStep({ normalise: 'none', field: 'url' }), [[doc('x', 'a', { url: 'https://e.org/1' }), doc('y', 'b', { url: 'https://e.org/1' }), doc('z', 'c')]]);
  assert.deepEqual(removed(byUrl), ['y']);
  const byMeta = await runGlobal(createExactDedupStep({ normalise: 'full', field: 'metadata.title' }), [[doc('p', 'a', { metadata: { title: 'T' } }), doc('q', 'b', { metadata: { title: 't!' } })]]);
  assert.deepEqual(removed(byMeta), ['q']);
});

test('dedup errors: missing collect, changed options, changed input', async () => {
  const dir = await tempDir('dedup-errors');
  const step = createExactDedupStep({ normalise: 'full', field: 'text' });
  await assert.rejects(step.resolve(1, dir), /task 0 has no collected keys.*collect phase did not finish/);
  await runGlobal(step, [[doc('a', 'x'), doc('b', 'x')]], dir);
  await assert.rejects(createExactDedupStep({ normalise: 'none', field: 'text' }).resolve(1, dir), /rerun the run from the start/);
  const filter = await step.filter({ index: 0, inputFile: 'task-0' }, dir);
  assert.throws(() => filter.apply(doc('other', 'x'), 1, {}), /input changed since the collect phase/);
  assert.throws(() => filter.apply(doc('c', 'x'), 2, {}), /more documents than the 2 it collected/);
  await rm(dir, { recursive: true, force: true });
});
