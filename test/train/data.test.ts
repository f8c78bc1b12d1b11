/**
 * The training data loader on tiny shards whose every token says where it comes from:
 * id = 10 + dataset * 1e6 + document * 1e3 + offset. Packing, document ids and positions at
 * boundaries, loss masks (boundary, EOS, Goldfish), mixture proportions, determinism, resume, and
 * the validation split.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { positionsFromDocIds } from '../../src/tensor/kernels/rope.js';
import { ShardWriter } from '../../src/tokenizer/shards/index.js';
import { parseTrainDataSections } from '../../src/train/config.js';
import { DataSchema, type DataConfig } from '../../src/train/data-config.js';
import { goldfishRate, TrainingData, type Batch } from '../../src/train/data.js';
import { goldfishMask, GoldfishSchema } from '../../src/train/goldfish.js';
import { seeded, tempDir } from '../helpers/corpus.js';

const code = (d: number, i: number, p: number) => 10 + d * 1_000_000 + i * 1000 + p;
const decode = (x: number) => ({ d: Math.floor((x - 10) / 1e6), i: Math.floor(((x - 10) % 1e6) / 1000), p: (x - 10) % 1000 });

/** A shard of `count` documents of 0-60 tokens (every 7th empty); returns the documents. */
async function writeDataset(prefix: string, d: number, count: number, seed: number, eos?: number): Promise<number[][]> {
  const random = seeded(seed);
  const docs = Array.from({ length: count }, (_, i) => {
    const n = i % 7 === 3 ? 0 : 1 + Math.floor(random() * 60);
    const doc = Array.from({ length: n }, (_, p) => code(d, i, p));
    if (eos !== undefined && n > 0) doc[n - 1] = eos;
    return doc;
  });
  const writer = await ShardWriter.create(prefix, 'int32');
  for (const doc of docs) await writer.addDocument(doc);
  await writer.commit();
  return docs;
}

function config(datasets: DataConfig['datasets'], extra: Partial<Record<string, unknown>> = {}): DataConfig {
  return DataSchema.parse({ datasets, context: 16, batch_size: 3, validation_fraction: 0, ...extra });
}

const batches = (data: TrainingData, n: number) => Array.from({ length: n }, () => data.nextBatch());
const rows = (batch: Batch) => Array.from({ length: batch.B }, (_, b) => Array.from(batch.inputs.subarray(b * batch.T, (b + 1) * batch.T)));

describe('packing', () => {
  it('streams each document once per epoch, in order, across rows; targets, docIds, positions and boundary masks line up', async () => {
    const dir = await tempDir('data');
    const docs = await writeDataset(join(dir, 'a'), 0, 40, 1);
    const data = await TrainingData.open(config([{ name: 'a', paths: [join(dir, 'a')], weight: 1 }]));
    const total = docs.reduce((n, d) => n + d.length, 0);
    const T = 16;
    const list = batches(data, Math.ceil((2 * total) / (3 * T)) + 1);
    const stream = list.flatMap(rows).flat();
    for (const epoch of [0, 1]) {
      const part = stream.slice(epoch * total, (epoch + 1) * total);
      const seen: number[] = [];
      for (let at = 0; at < part.length; ) {
        const { i } = decode(part[at]!);
        assert.deepEqual(part.slice(at, at + docs[i]!.length), docs[i], `epoch ${epoch}: document ${i} whole and in order`);
        seen.push(i);
        at += docs[i]!.length;
      }
      assert.deepEqual([...seen].sort((a, b) => a - b), docs.flatMap((d, i) => (d.length > 0 ? [i] : [])), `epoch ${epoch}: every non-empty document once`);
      if (epoch === 1) assert.notDeepEqual(seen, stream.slice(0, total).map(decode).filter((x) => x.p === 0).map((x) => x.i), 'epochs are shuffled differently');
    }
    for (let r = 0; r < stream.length / T - 1; r++) {
      const batch = list[Math.floor(r / 3)]!;
      const b = r % 3;
      for (let t = 0; t < T; t++) {
        const k = b * T + t;
        const here = decode(batch.inputs[k]!);
        const next = decode(stream[r * T + t + 1]!);
        assert.equal(batch.targets[k], stream[r * T + t + 1], 'target = next stream token (the last one = next row\'s first input)');
        if (t > 0) assert.equal(batch.docIds[k] !== batch.docIds[k - 1], here.p === 0, `row ${r} t ${t}: a new document id exactly where a document starts`);
        assert.equal(batch.positions[k], Math.min(here.p, t), 'positions restart at each document and at the row start');
        assert.equal(batch.lossMask[k], next.p === 0 ? 0 : 1, 'no loss on the cross-document target');
      }
    }
    assert.deepEqual(list[0]!.positions, positionsFromDocIds(list[0]!.docIds, 3, T));
    assert.equal(list[0]!.tokens, 3 * T);
    data.close();
  });

  it('reads several shards (one of them empty) as one dataset', async () => {
    const dir = await tempDir('data');
    const a = await writeDataset(join(dir, 's1'), 0, 12, 7);
    await writeDataset(join(dir, 's2'), 1, 0, 8);
    const c = await writeDataset(join(dir, 's3'), 2, 9, 9);
    const data = await TrainingData.open(config([{ name: 's', paths: ['s1', 's2', 's3'].map((s) => join(dir, s)), weight: 1 }]));
    const total = [...a, ...c].reduce((n, d) => n + d.length, 0);
    const stream = batches(data, Math.ceil(total / 48) + 1).flatMap(rows).flat().slice(0, total);
    const starts = stream.map(decode).filter((x) => x.p === 0).map((x) => `${x.d}/${x.i}`).sort();
    const expected = [...a.map((d, i) => [0, i, d.length] as const), ...c.map((d, i) => [2, i, d.length] as const)].filter(([, , n]) => n > 0).map(([d, i]) => `${d}/${i}`).sort();
    assert.deepEqual(starts, expected);
    assert.equal(data.summary()[0]!.trainDocuments, expected.length);
    data.close();
  });

  it('mask_eos_targets drops EOS targets; mask_document_boundary: false keeps cross-document targets', async () => {
    const dir = await tempDir('data');
    await writeDataset(join(dir, 'e'), 0, 30, 2, 2);
    const open = (extra: Record<string, unknown>) => TrainingData.open(config([{ name: 'e', paths: [join(dir, 'e')], weight: 1 }], extra));
    const plain = await open({});
    const eos = await open({ mask_eos_targets: true });
    const open2 = await open({ mask_document_boundary: false });
    for (let n = 0; n < 10; n++) {
      const [a, b, c] = [plain.nextBatch(), eos.nextBatch(), open2.nextBatch()];
      for (let k = 0; k < a.targets.length; k++) {
        const crossing = a.inputs[k] === 2; // EOS-terminated documents: the boundary is after EOS
        assert.equal(a.lossMask[k], crossing ? 0 : 1, 'Megatron eod_mask_loss: loss_mask[inputs == eos] = 0');
        assert.equal(b.lossMask[k], crossing || a.targets[k] === 2 ? 0 : 1);
        assert.equal(c.lossMask[k], 1);
      }
    }
    for (const d of [plain, eos, open2]) d.close();
  });

  it('ANDs the Goldfish mask of each document\'s labels, and reports its rate', async () => {
    const dir = await tempDir('data');
    const docs = await writeDataset(join(dir, 'g'), 0, 60, 3);
    const goldfish = GoldfishSchema.parse({ k: 3, h: 4 });
    const data = await TrainingData.open(config([{ name: 'g', paths: [join(dir, 'g')], weight: 1 }], { batch_size: 4 }), goldfish);
    const keep = docs.map((doc) => goldfishMask(Int32Array.from(doc.slice(1)), goldfish));
    let dropped = 0;
    let eligible = 0;
    for (const batch of batches(data, 40)) {
      for (let k = 0; k < batch.targets.length; k++) {
        const { i, p } = decode(batch.targets[k]!);
        assert.equal(batch.lossMask[k], p === 0 ? 0 : keep[i]![p - 1], `document ${i} token ${p}`);
      }
      dropped += batch.goldfishDropped;
      eligible += batch.goldfishEligible;
      assert.equal(batch.lossTokens, batch.lossMask.reduce((s, v) => s + v, 0));
      assert.ok(goldfishRate(batch) > 0.1 && goldfishRate(batch) < 0.6);
    }
    assert.ok(Math.abs(dropped / eligible - 1 / 3) < 0.05, `realised rate ${dropped / eligible}`);
    data.close();
  });
});

describe('mixture, determinism, resume', () => {
  async function mixture(dir: string, extra: Record<string, unknown> = {}): Promise<TrainingData> {
    const datasets = [];
    for (const [d, weight] of [[0, 5], [1, 3], [2, 2]] as const) {
      await writeDataset(join(dir, `m${d}`), d, 50, 10 + d);
      datasets.push({ name: `m${d}`, paths: [join(dir, `m${d}`)], weight });
    }
    return TrainingData.open(config(datasets, { context: 8, batch_size: 10, ...extra }), GoldfishSchema.parse({ k: 4, h: 3 }));
  }

  it('rows come from each dataset in proportion to its weight', async () => {
    const data = await mixture(await tempDir('data'));
    const counts = [0, 0, 0];
    for (const batch of batches(data, 200)) {
      batch.datasets.forEach((d, b) => {
        counts[d]!++;
        assert.equal(decode(batch.inputs[b * 8]!).d, d, 'the row is from the dataset it says');
      });
    }
    assert.deepEqual(data.names, ['m0', 'm1', 'm2']);
    [0.5, 0.3, 0.2].forEach((w, d) => assert.ok(Math.abs(counts[d]! - w * 2000) <= 1, `dataset ${d}: ${counts[d]} rows of 2000`));
    data.close();
  });

  it('the same config gives the same batches; another seed other batches', async () => {
    const dir = await tempDir('data');
    const a = await mixture(dir);
    const b = await TrainingData.open(a.config, GoldfishSchema.parse({ k: 4, h: 3 }));
    const c = await TrainingData.open({ ...a.config, seed: 99 }, GoldfishSchema.parse({ k: 4, h: 3 }));
    const [x, y, z] = [batches(a, 30), batches(b, 30), batches(c, 30)];
    assert.deepEqual(x, y);
    assert.notDeepEqual(x.map((q) => q.inputs), z.map((q) => q.inputs));
    for (const d of [a, b, c]) d.close();
  });

  it('a restored loader continues with exactly the batches of an uninterrupted one', async () => {
    const dir = await tempDir('data');
    const goldfish = GoldfishSchema.parse({ k: 4, h: 3 });
    const uninterrupted = await mixture(dir);
    batches(uninterrupted, 37);
    const saved = JSON.parse(JSON.stringify(uninterrupted.state()));
    const expected = batches(uninterrupted, 25);
    const resumed = await TrainingData.open(uninterrupted.config, goldfish);
    resumed.restore(saved);
    assert.deepEqual(batches(resumed, 25), expected);
    assert.deepEqual(resumed.state(), uninterrupted.state());

    const other = await TrainingData.open({ ...uninterrupted.config, seed: 5 }, goldfish);
    assert.throws(() => other.restore(saved), /written for other data/);
    for (const d of [uninterrupted, resumed, other]) d.close();
  });
});

describe('validation', () => {
  it('holds out a fixed fraction of documents, disjoint from training, each token once', async () => {
    const dir = await tempDir('data');
    const docs = await writeDataset(join(dir, 'v'), 0, 200, 4);
    const data = await TrainingData.open(config([{ name: 'v', paths: [join(dir, 'v')], weight: 1 }], { validation_fraction: 0.2 }));
    const [summary] = data.summary();
    const validation = [...data.validationBatches()];
    const held = validation.flatMap((batch) => Array.from(batch.inputs.filter((_, k) => batch.targets[k]! >= 0 || batch.inputs[k] !== 0)));
    const heldDocs = new Set(held.map((x) => decode(x).i));
    assert.equal(heldDocs.size, summary!.validationDocuments);
    assert.ok(summary!.validationDocuments > 20 && summary!.validationDocuments < 60, `${summary!.validationDocuments} of ~171 documents`);
    const trainDocs = new Set(batches(data, 200).flatMap(rows).flat().map((x) => decode(x).i));
    assert.equal([...heldDocs].filter((i) => trainDocs.has(i)).length, 0, 'disjoint');
    assert.equal(heldDocs.size + trainDocs.size, docs.filter((d) => d.length > 0).length, 'together: every non-empty document');
    const last = validation[validation.length - 1]!;
    const lastTargets = Array.from(last.targets);
    assert.ok(lastTargets.includes(-1), 'the pass ends with padding');
    lastTargets.forEach((t, k) => t < 0 && assert.equal(last.lossMask[k], 0));
    const heldTokens = docs.filter((_, i) => heldDocs.has(i)).reduce((n, d) => n + d.length, 0);
    assert.equal(validation.reduce((n, b) => n + b.tokens, 0), heldTokens - 1, 'every held-out token but the first is a target once');
    data.close();
  });

  it('uses separate validation shards when given', async () => {
    const dir = await tempDir('data');
    await writeDataset(join(dir, 't'), 0, 20, 5);
    await writeDataset(join(dir, 'tv'), 7, 10, 6);
    const data = await TrainingData.open(config([{ name: 't', paths: [join(dir, 't')], weight: 1, validation_paths: [join(dir, 'tv')] }], { validation_fraction: 0.3 }));
    const held = [...data.validationBatches('t')].flatMap((b) => Array.from(b.inputs.filter((_, k) => b.targets[k]! >= 0)));
    assert.ok(held.length > 0 && held.every((x) => decode(x).d === 7));
    assert.equal(data.summary()[0]!.trainDocuments, 17, 'all non-empty training documents train');
    assert.throws(() => [...data.validationBatches('nope')], /no dataset named nope/);
    data.close();
  });
});

describe('config', () => {
  it('parses the sections with defaults and names the file, line and field of an error', () => {
    const yaml = 'data:\n  context: 128\n  batch_size: 4\n  datasets:\n    - name: web\n      paths: [tokens/web]\nschedule:\n  lr: 0.001\nmodel: {}\n';
    const sections = parseTrainDataSections(yaml, 'train.yaml', '/runs/a');
    assert.deepEqual(sections.data.datasets[0]!.paths, ['/runs/a/tokens/web']);
    assert.equal(sections.goldfish.enabled, true);
    assert.deepEqual([sections.goldfish.strategy, sections.goldfish.k, sections.goldfish.h], ['hash', 50, 50]);
    assert.equal(sections.schedule.kind, 'wsd');
    assert.equal(sections.data.mask_document_boundary, true);
    const bad = yaml.replace('context: 128', 'context: -1').replace('lr: 0.001', 'lr: 0.001\ngoldfish:\n  k: 1');
    assert.throws(() => parseTrainDataSections(bad, 'train.yaml', '/'), (err: Error) => /train\.yaml:2:\d+: data\.context/.test(err.message) && /goldfish\.k/.test(err.message));
  });
});
