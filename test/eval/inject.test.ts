// The probe injector: every probe lands exactly `bucket` times, the control bucket never, the base
// documents keep their order, the manifest says where each copy is, and a seed reproduces it.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { copyPositions, injectProbes } from '../../src/eval/inject.js';
import { parseProbes, readProbes, resolveProbes, type Probe } from '../../src/eval/probes.js';
import { IndexedDataset, ShardWriter } from '../../src/tokenizer/shards/index.js';
import { tempDir } from '../helpers/corpus.js';

async function baseShard(prefix: string, documents: number): Promise<number[][]> {
  const docs = Array.from({ length: documents }, (_, d) => [100 + d, 200 + d, 2]);
  const writer = await ShardWriter.create(prefix, 'uint16');
  for (const doc of docs) await writer.addDocument(doc);
  await writer.commit();
  return docs;
}

const PROBES: Probe[] = [
  { id: 'control', bucket: 0, ids: [7, 7, 7] },
  { id: 'once', bucket: 1, ids: [10, 11] },
  { id: 'four', bucket: 4, ids: [20, 21, 22] },
  { id: 'sixteen', bucket: 16, ids: [30] },
  { id: 'many', bucket: 128, ids: [40, 41, 42, 43] },
];

test('injected counts, positions and manifest', async () => {
  const dir = await tempDir('inject');
  const base = await baseShard(join(dir, 'base'), 50);
  const summary = await injectProbes({ base: [join(dir, 'base')], probes: PROBES, out: join(dir, 'out'), seed: 3, eosId: 2 });
  assert.equal(summary.copies, 1 + 4 + 16 + 128);
  assert.equal(summary.documents, 50 + 149);
  assert.deepEqual(summary.buckets, { 0: { probes: 1, copies: 0 }, 1: { probes: 1, copies: 1 }, 4: { probes: 1, copies: 4 }, 16: { probes: 1, copies: 16 }, 128: { probes: 1, copies: 128 } });
  const manifest = await readProbes(summary.manifest);
  assert.deepEqual(manifest.map((p) => [p.id, p.bucket, p.documents!.length]), [['control', 0, 0], ['once', 1, 1], ['four', 4, 4], ['sixteen', 16, 16], ['many', 128, 128]]);
  const out = await IndexedDataset.open(join(dir, 'out'));
  const docs = [...out.documents()].map((d) => Array.from(d));
  out.close();
  const claimed = new Set<number>();
  for (const p of manifest) {
    for (const d of p.documents!) {
      assert.deepEqual(docs[d], [...p.ids, 2], `${p.id} at ${d}`);
      claimed.add(d);
    }
  }
  // everything else is the base, in order
  assert.deepEqual(docs.filter((_, i) => !claimed.has(i)), base);
  // copies are spread through the data, not bunched at one end
  const many = manifest.find((p) => p.id === 'many')!.documents!;
  assert.ok(many[0]! < 40 && many[many.length - 1]! > docs.length - 40, `${many[0]} .. ${many[many.length - 1]}`);
  // the same seed gives the same shard; another seed another
  const again = await injectProbes({ base: [join(dir, 'base')], probes: PROBES, out: join(dir, 'again'), seed: 3, eosId: 2 });
  assert.deepEqual(await readFile(join(dir, 'again.bin')), await readFile(join(dir, 'out.bin')));
  assert.equal((await readFile(again.manifest, 'utf8')), (await readFile(summary.manifest, 'utf8')));
  assert.notDeepEqual(copyPositions(50, PROBES, 4), copyPositions(50, PROBES, 3));
  await assert.rejects(injectProbes({ base: [join(dir, 'base')], probes: PROBES, out: join(dir, 'out') }), /exists already/);
});

test('probes alone, no EOS; probe files: text, dealt buckets, errors with the line', async () => {
  const dir = await tempDir('inject-alone');
  const summary = await injectProbes({ base: [], probes: PROBES, out: join(dir, 'alone'), eosId: null });
  assert.equal(summary.documents, 149);
  const out = await IndexedDataset.open(join(dir, 'alone'));
  assert.equal(out.tokenCount, 1 * 2 + 4 * 3 + 16 * 1 + 128 * 4);
  out.close();

  const inputs = parseProbes('{"id": "a", "text": "ab"}\n\n{"id": 2, "ids": [5, 6]}\n{"id": "c", "ids": [1], "bucket": 9}\n{"id": "d", "ids": [3]}\n', 'p.jsonl');
  const tokenizer = { vocabSize: 256, encode: (t: string) => [...t].map((c) => c.charCodeAt(0)), decode: () => '', decodeBytes: () => new Uint8Array(), specialId: () => undefined };
  const probes = resolveProbes(inputs, { tokenizer, buckets: [0, 4] });
  assert.deepEqual(probes.map((p) => [p.id, p.bucket, p.ids]), [['a', 0, [97, 98]], ['2', 4, [5, 6]], ['c', 9, [1]], ['d', 0, [3]]]);
  assert.throws(() => parseProbes('{"id": "a"}\n', 'p.jsonl'), /p\.jsonl:1: .*needs "ids" or "text"/);
  assert.throws(() => parseProbes('{"id": "a", "ids": [1]}\n{"id": "a", "ids": [2]}\n', 'p.jsonl'), /p\.jsonl:2: a second probe with id a/);
  assert.throws(() => resolveProbes(inputs, { buckets: [1] }), /has text but no ids/);
  assert.throws(() => resolveProbes(inputs.slice(1, 2)), /has no "bucket"/);
});
