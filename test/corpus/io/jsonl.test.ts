import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { compress } from 'zstd-napi';
import { openReader } from '../../../src/corpus/io/index.js';
import { DEFAULT_FIELDS } from '../../../src/corpus/io/types.js';
import { readAll, tempDir, writeAll } from './helpers.js';

const good = (i: number) => JSON.stringify({ id: `g${i}`, text: `text ${i}` });

/** Lines 1..7: bad JSON at line 3, invalid UTF-8 at line 5, non-string text at line 6. */
function malformedFile(): Buffer {
  return Buffer.concat([
    Buffer.from(`${good(1)}\n${good(2)}\n{"id": "x", "text": \n${good(4)}\n`),
    Buffer.from('{"id":"u","text":"bad \xff\xfe byte"}\n', 'latin1'),
    Buffer.from(`{"id":"n","text":42}\n${good(7)}\n`),
  ]);
}

for (const [ext, encode] of [
  ['.jsonl', (b: Buffer) => b],
  ['.jsonl.gz', (b: Buffer) => gzipSync(b)],
  ['.jsonl.zst', (b: Buffer) => compress(b)],
] as const) {
  test(`${ext}: malformed lines are reported with their line numbers and skipped`, async () => {
    const dir = await tempDir('jsonl-bad');
    const file = join(dir, `bad${ext}`);
    await writeFile(file, encode(malformedFile()));
    const read = await readAll(file);
    assert.deepEqual(read.docs.map((d) => d.id), ['g1', 'g2', 'g4', 'g7']);
    assert.deepEqual(read.bad.map((e) => e.where.line), [3, 5, 6]);
    assert.match(read.bad[0].reason, /invalid JSON/);
    assert.equal(read.bad[1].reason, 'invalid UTF-8');
    assert.match(read.bad[2].reason, /text field 'text' is a number, not a string/);
    assert.equal(read.bad[0].file, file);
    assert.match(read.bad[0].message, new RegExp(`bad${ext.replaceAll('.', '\\.')}:3: invalid JSON`));
  });
}

test('a throwing onBadRecord stops the reader with its error', async () => {
  const dir = await tempDir('jsonl-stop');
  const file = join(dir, 'bad.jsonl');
  await writeFile(file, malformedFile());
  const reader = openReader(file, {
    fields: DEFAULT_FIELDS,
    onBadRecord: (err) => {
      throw err;
    },
  });
  const ids: string[] = [];
  await assert.rejects(async () => {
    for await (const doc of reader) ids.push(doc.id);
  }, /bad\.jsonl:3: invalid JSON/);
  assert.deepEqual(ids, ['g1', 'g2']);
});

for (const ext of ['.jsonl.gz', '.jsonl.zst']) {
  test(`${ext}: a truncated file gives an error naming the file`, async () => {
    const dir = await tempDir('jsonl-trunc');
    const whole = join(dir, `whole${ext}`);
    const lines = Array.from({ length: 2000 }, (_, i) => ({ id: `d${i}`, text: `document ${i} ${'x'.repeat(i % 50)}`, metadata: {} }));
    await writeAll(whole, ext === '.jsonl.gz' ? 'jsonl.gz' : 'jsonl.zst', lines);
    const bytes = await readFile(whole);
    const truncated = join(dir, `truncated${ext}`);
    await writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await assert.rejects(readAll(truncated), (err: Error) => {
      assert.ok(err.message.startsWith(truncated), err.message);
      return true;
    });
  });
}

test('a missing file gives an error naming it', async () => {
  await assert.rejects(readAll('/nonexistent/x.jsonl'), /\/nonexistent\/x\.jsonl/);
});

test('field map, fallback ids, metadata merge, BOM, CRLF, blank lines, last line without newline', async () => {
  const dir = await tempDir('jsonl-fields');
  const file = join(dir, 'fields.jsonl');
  const lines = [
    '\uFEFF{"content":"first","link":"https://a.example/","crawl_date":"2024-01-01","lang":"de","metadata":{"score":1}}\r',
    '',
    '   ',
    '{"doc_id":7,"content":"second","origin":"dolma","tags":["x"]}',
    '{"content":"third","link":null}',
  ];
  await writeFile(file, lines.join('\n'));
  const fields = { id: 'doc_id', text: 'content', url: 'link', date: 'crawl_date', source: 'origin' };
  const read = await readAll(file, { fields, source: 'my-crawl' });
  assert.deepEqual(read.bad, []);
  assert.deepEqual(read.docs, [
    { id: 'fields.jsonl/1', text: 'first', url: 'https://a.example/', date: '2024-01-01', source: 'my-crawl', metadata: { lang: 'de', score: 1 } },
    { id: '7', text: 'second', source: 'dolma', metadata: { tags: ['x'] } },
    { id: 'fields.jsonl/5', text: 'third', source: 'my-crawl', metadata: {} },
  ]);
});

test('lines longer than a read chunk, and many lines, are read whole and in order', async () => {
  const dir = await tempDir('jsonl-long');
  const long = 'ü'.repeat(1_500_000); // 3 MB of UTF-8: spans several 1 MiB chunks
  const docs = [
    { id: 'a', text: 'short', metadata: {} },
    { id: 'b', text: long, metadata: {} },
    ...Array.from({ length: 20_000 }, (_, i) => ({ id: `c${i}`, text: `line ${i} ✓`, metadata: {} })),
  ];
  for (const format of ['jsonl', 'jsonl.zst'] as const) {
    const file = join(dir, `long.${format}`);
    await writeAll(file, format, docs);
    const read = await readAll(file);
    assert.equal(read.docs.length, docs.length);
    assert.equal(read.docs[1].text, long);
    assert.equal(read.docs.at(-1)?.id, 'c19999');
  }
});

test('a mapped field that is not a scalar, and a __proto__ key, stay in metadata as data', async () => {
  const dir = await tempDir('jsonl-odd');
  const file = join(dir, 'odd.jsonl');
  await writeFile(file, '{"id":"a","text":"x","url":{"host":"h"},"__proto__":{"polluted":true}}\n');
  const read = await readAll(file);
  const [doc] = read.docs;
  assert.equal(doc.url, undefined);
  assert.deepEqual(doc.metadata.url, { host: 'h' });
  assert.deepEqual(Object.getOwnPropertyDescriptor(doc.metadata, '__proto__')?.value, { polluted: true });
  assert.equal(Object.getPrototypeOf(doc.metadata), Object.prototype);
});
