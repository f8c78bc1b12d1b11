import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { openParquetWriter } from '../../../src/corpus/io/parquet.js';
import { readAll, tempDir } from './helpers.js';

test('a Parquet file with other column names is read through a custom FieldMap', async () => {
  const dir = await tempDir('parquet-fields');
  const file = join(dir, 'foreign.parquet');
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'uid', data: ['u1', 'u2', 'u3', 'u4'], type: 'STRING' },
      { name: 'content', data: ['Bonjour le monde', null, 'こんにちは', 'last'], type: 'STRING' },
      { name: 'page_url', data: ['https://fr.example/', 'https://x.example/', null, null], type: 'STRING' },
      { name: 'fetched', data: [new Date('2024-05-01T12:00:00Z'), null, null, null], type: 'TIMESTAMP' },
      { name: 'token_count', data: [3n, 0n, 1n, 1n], type: 'INT64' },
      { name: 'quality', data: [0.9, 0.1, 0.5, 0.7], type: 'DOUBLE' },
    ],
    rowGroupSize: 2,
  });
  await writeFile(file, new Uint8Array(buffer));

  const fields = { id: 'uid', text: 'content', url: 'page_url', date: 'fetched', source: 'dataset' };
  const read = await readAll(file, { fields });
  assert.deepEqual(read.docs, [
    {
      id: 'u1',
      text: 'Bonjour le monde',
      url: 'https://fr.example/',
      date: '2024-05-01T12:00:00.000Z',
      source: 'foreign.parquet',
      metadata: { token_count: 3, quality: 0.9 },
    },
    { id: 'u3', text: 'こんにちは', source: 'foreign.parquet', metadata: { token_count: 1, quality: 0.5 } },
    { id: 'u4', text: 'last', source: 'foreign.parquet', metadata: { token_count: 1, quality: 0.7 } },
  ]);
  assert.equal(read.bad.length, 1);
  assert.equal(read.bad[0].where.row, 1);
  assert.match(read.bad[0].message, /foreign\.parquet row 1: text field 'content' is null, not a string/);
});

test('a file is written in row groups by rows or by characters, and read back in order', async () => {
  const dir = await tempDir('parquet-groups');
  const file = join(dir, 'groups.parquet');
  const docs = Array.from({ length: 5_000 }, (_, i) => ({ id: `d${i}`, text: i === 2500 ? 'x'.repeat(10_000) : `t${i}`, metadata: { i } }));
  const writer = await openParquetWriter(file, { rows: 1_000, chars: 5_000 });
  for (const doc of docs) await writer.write(doc);
  await writer.commit();

  const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file));
  // 0-999, ..., 2000-2500 (ends at the long text), 2501-3500, ...
  assert.deepEqual(metadata.row_groups.map((g) => Number(g.num_rows)), [1000, 1000, 501, 1000, 1000, 499]);
  const read = await readAll(file);
  assert.deepEqual(read.docs, docs.map((d) => ({ ...d, source: 'groups.parquet' })));
});

test('a file that is not Parquet gives an error naming it', async () => {
  const dir = await tempDir('parquet-bad');
  const file = join(dir, 'broken.parquet');
  await writeFile(file, 'this is not parquet at all, just some text that is long enough');
  await assert.rejects(readAll(file), /broken\.parquet: not a readable Parquet file/);
});
