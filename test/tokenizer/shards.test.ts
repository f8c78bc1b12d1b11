/**
 * Megatron indexed datasets: writer/reader round trips, the exact byte layout, errors that name
 * the file, merging, and an independent reader (numpy, test/python/megatron_reader.py).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encodeIndex, IndexedDataset, mergeShards, ShardWriter, type TokenDtype } from '../../src/tokenizer/shards/index.js';
import { seeded, tempDir } from '../helpers/corpus.js';
import { pythonWith } from '../helpers/python.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function writeShard(prefix: string, dtype: TokenDtype, documents: number[][]): Promise<void> {
  const writer = await ShardWriter.create(prefix, dtype);
  for (const doc of documents) await writer.addDocument(doc);
  const summary = await writer.commit();
  assert.equal(summary.documents, documents.length);
  assert.equal(summary.tokens, documents.reduce((n, d) => n + d.length, 0));
}

async function readAll(prefix: string): Promise<{ random: number[][]; streamed: number[][]; dataset: IndexedDataset }> {
  const dataset = await IndexedDataset.open(prefix);
  const random = Array.from({ length: dataset.documentCount }, (_, i) => Array.from(dataset.getDocument(i)));
  const streamed = Array.from(dataset.documents(), (d) => Array.from(d));
  dataset.close();
  return { random, streamed, dataset };
}

function randomDocuments(count: number, maxId: number, seed: number, maxLength = 50): number[][] {
  const random = seeded(seed);
  return Array.from({ length: count }, () => Array.from({ length: Math.floor(random() * maxLength) }, () => Math.floor(random() * (maxId + 1))));
}

test('uint16 round trip with an empty document, and the exact .idx layout', async () => {
  const dir = await tempDir('shards');
  const prefix = join(dir, 'small');
  const documents = [[5, 6, 7, 2], [], [65535, 0, 2], [9]];
  await writeShard(prefix, 'uint16', documents);
  const { random, streamed, dataset } = await readAll(prefix);
  assert.deepEqual(random, documents);
  assert.deepEqual(streamed, documents);
  assert.equal(dataset.dtype, 'uint16');
  assert.equal(dataset.tokenCount, 8);
  assert.equal(dataset.sequenceCount, 4);

  const idx = await readFile(`${prefix}.idx`);
  assert.equal(idx.subarray(0, 9).toString('latin1'), 'MMIDIDX\x00\x00');
  assert.equal(idx.readBigUInt64LE(9), 1n);
  assert.equal(idx.readUInt8(17), 8, 'uint16 is code 8');
  assert.equal(idx.readBigUInt64LE(18), 4n, 'sequence count');
  assert.equal(idx.readBigUInt64LE(26), 5n, 'document index count = documents + 1');
  assert.equal(idx.length, 34 + 4 * 4 + 8 * 4 + 8 * 5);
  assert.deepEqual([0, 1, 2, 3].map((i) => idx.readInt32LE(34 + 4 * i)), [4, 0, 3, 1]);
  assert.deepEqual([0, 1, 2, 3].map((i) => Number(idx.readBigInt64LE(50 + 8 * i))), [0, 8, 8, 14]);
  assert.deepEqual([0, 1, 2, 3, 4].map((i) => Number(idx.readBigInt64LE(82 + 8 * i))), [0, 1, 2, 3, 4]);
  assert.equal((await stat(`${prefix}.bin`)).size, 16);
});

test('int32 round trip keeps huge ids; uint16 refuses ids that do not fit', async () => {
  const dir = await tempDir('shards');
  const documents = [[0x7fffffff, 131071, 70000, 2], [1, 2]];
  await writeShard(join(dir, 'wide'), 'int32', documents);
  const { random } = await readAll(join(dir, 'wide'));
  assert.deepEqual(random, documents);
  assert.equal((await readFile(join(dir, 'wide.idx'))).readUInt8(17), 4, 'int32 is code 4');

  const writer = await ShardWriter.create(join(dir, 'narrow'), 'uint16');
  await assert.rejects(writer.addDocument([1, 65536]), /token id 65536 .* does not fit uint16/);
  await writer.abort();
  assert.equal(existsSync(join(dir, 'narrow.bin')), false);
  const wide = await ShardWriter.create(join(dir, 'negative'), 'int32');
  await assert.rejects(wide.addDocument([-1]), /does not fit int32/);
  await wide.abort();
});

test('many documents across read chunks, streamed and at random', async () => {
  const dir = await tempDir('shards');
  const prefix = join(dir, 'big');
  // ~12 MB of int32 tokens: more than one 8 MiB streaming chunk, and more than one write chunk.
  const documents = randomDocuments(6000, 200_000, 7, 1000);
  await writeShard(prefix, 'int32', documents);
  const { random, streamed } = await readAll(prefix);
  assert.deepEqual(streamed, documents);
  assert.deepEqual(random, documents);
});

test('reader errors name the file and say what is wrong', async () => {
  const dir = await tempDir('shards');
  const prefix = join(dir, 'ok');
  await writeShard(prefix, 'uint16', [[1, 2, 3], [4]]);
  const idx = await readFile(`${prefix}.idx`);
  const corrupt = async (name: string, bytes: Buffer, pattern: RegExp) => {
    await writeFile(join(dir, `${name}.idx`), bytes);
    await writeFile(join(dir, `${name}.bin`), await readFile(`${prefix}.bin`));
    await assert.rejects(IndexedDataset.open(join(dir, name)), (err: Error) => {
      assert.match(err.message, new RegExp(`${name}\\.(idx|bin)`));
      assert.match(err.message, pattern);
      return true;
    });
  };
  await corrupt('magic', Buffer.concat([Buffer.from('NOTMAGIC!'), idx.subarray(9)]), /not a Megatron/);
  const v2 = Buffer.from(idx);
  v2.writeBigUInt64LE(2n, 9);
  await corrupt('version', v2, /version 2/);
  const float = Buffer.from(idx);
  float.writeUInt8(7, 17);
  await corrupt('float', float, /float32 .* not supported/);
  await corrupt('truncated', idx.subarray(0, idx.length - 3), /truncated or corrupt/);
  await corrupt('short', idx.subarray(0, 20), /too short/);
  await writeFile(join(dir, 'cut.idx'), idx);
  await writeFile(join(dir, 'cut.bin'), (await readFile(`${prefix}.bin`)).subarray(0, 4));
  await assert.rejects(IndexedDataset.open(join(dir, 'cut')), /cut\.bin: 4 bytes, but sequence 0 ends at byte 6/);
  await assert.rejects(IndexedDataset.open(join(dir, 'missing')), /missing\.idx: no such file/);
});

test('documents of several sequences (as Megatron writes split sentences) read whole', async () => {
  const dir = await tempDir('shards');
  const prefix = join(dir, 'split');
  const lengths = Int32Array.of(2, 3, 1);
  await writeFile(`${prefix}.bin`, Buffer.from(Uint16Array.of(1, 2, 3, 4, 5, 6).buffer));
  await writeFile(`${prefix}.idx`, encodeIndex({ dtype: 'uint16', sequenceLengths: lengths, sequencePointers: Float64Array.of(0, 4, 10), documentIndices: Float64Array.of(0, 2, 3) }));
  const { random, streamed } = await readAll(prefix);
  assert.deepEqual(random, [[1, 2, 3, 4, 5], [6]]);
  assert.deepEqual(streamed, random);
});

test('merging parts gives the bytes of one shard written in one go', async () => {
  const dir = await tempDir('shards');
  const documents = randomDocuments(300, 60_000, 3);
  await writeShard(join(dir, 'whole'), 'uint16', documents);
  await writeShard(join(dir, 'a'), 'uint16', documents.slice(0, 100));
  await writeShard(join(dir, 'b'), 'uint16', []);
  await writeShard(join(dir, 'c'), 'uint16', documents.slice(100));
  const merged = await mergeShards([join(dir, 'a'), join(dir, 'b'), join(dir, 'c')], join(dir, 'merged'));
  assert.equal(merged.documents, 300);
  for (const ext of ['bin', 'idx']) assert.deepEqual(await readFile(join(dir, `merged.${ext}`)), await readFile(join(dir, `whole.${ext}`)), ext);
  await writeShard(join(dir, 'wide'), 'int32', [[1]]);
  await assert.rejects(mergeShards([join(dir, 'a'), join(dir, 'wide')], join(dir, 'mixed')), /wide\.idx: dtype int32, but .*a\.idx is uint16/);
});

test('an independent numpy reader of the format reads what we write', async (t) => {
  const python = await pythonWith(['numpy']);
  if (!python) return t.skip('no python3 with numpy (see stderr)');
  const dir = await tempDir('shards');
  const cases: [TokenDtype, number[][]][] = [
    ['uint16', [[5, 6, 7, 2], [], [65535, 2], ...randomDocuments(50, 65_535, 11)]],
    ['int32', [[0x7fffffff, 2], [], ...randomDocuments(50, 131_071, 12)]],
  ];
  for (const [dtype, documents] of cases) {
    const prefix = join(dir, dtype);
    await writeShard(prefix, dtype, documents);
    const out = execFileSync(python, [join(ROOT, 'test', 'python', 'megatron_reader.py'), prefix], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const theirs = JSON.parse(out) as { dtype: string; sequence_count: number; document_count: number; document_indices: number[]; documents: number[][] };
    assert.equal(theirs.dtype, dtype);
    assert.equal(theirs.sequence_count, documents.length);
    assert.equal(theirs.document_count, documents.length + 1);
    assert.deepEqual(theirs.document_indices, Array.from({ length: documents.length + 1 }, (_, i) => i));
    assert.deepEqual(theirs.documents, documents);
  }
});
