import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import type { Document } from '../../src/corpus/document.js';
import {
  detectInputFormat,
  globToRegExp,
  listInputFiles,
  openWriter,
  outputExtension,
} from '../../src/corpus/io/index.js';
import type { OutputFormat } from '../../src/corpus/io/types.js';
import { UserError } from '../../src/util/errors.js';
import { readAll, sampleDocuments, tempDir, writeAll } from './io/helpers.js';

const OUTPUT_FORMATS: OutputFormat[] = ['jsonl', 'jsonl.gz', 'jsonl.zst', 'parquet'];

/** What a reader gives back for a written document: `source` defaults to the file's name. */
function expectedAfterRoundTrip(doc: Document, file: string): Document {
  return { ...doc, source: doc.source ?? basename(file) };
}

for (const format of OUTPUT_FORMATS) {
  test(`${format}: writer -> reader round trip keeps every field, byte-identical on rewrite`, async () => {
    const dir = await tempDir('io-roundtrip');
    const docs = sampleDocuments();
    const first = join(dir, `a${outputExtension(format)}`);
    const second = join(dir, `b${outputExtension(format)}`);
    const committed = await writeAll(first, format, docs);
    await writeAll(second, format, docs);

    assert.equal(committed.documents, docs.length);
    assert.equal(committed.path, first);
    assert.equal(committed.bytes, (await readFile(first)).length);
    assert.deepEqual(await readFile(first), await readFile(second), 'same documents must give the same bytes');
    assert.deepEqual((await readdir(dir)).sort(), ['a', 'b'].map((n) => `${n}${outputExtension(format)}`));

    const read = await readAll(first);
    assert.deepEqual(read.bad, []);
    assert.deepEqual(read.docs, docs.map((d) => expectedAfterRoundTrip(d, first)));
    assert.equal(read.progressBytes, committed.bytes, 'progress adds up to the file size');
  });

  test(`${format}: an empty output is a valid empty file`, async () => {
    const dir = await tempDir('io-empty');
    const path = join(dir, `empty${outputExtension(format)}`);
    const committed = await writeAll(path, format, []);
    assert.equal(committed.documents, 0);
    assert.deepEqual((await readAll(path)).docs, []);
  });

  test(`${format}: abort leaves no file behind`, async () => {
    const dir = await tempDir('io-abort');
    const path = join(dir, 'sub', `out${outputExtension(format)}`);
    const writer = await openWriter(path, format);
    await writer.write(sampleDocuments()[0]);
    await writer.abort();
    assert.deepEqual(await readdir(join(dir, 'sub')), []);
    await assert.rejects(writer.write(sampleDocuments()[0]), /after commit or abort/);
  });
}

test('the temporary file carries the .tmp suffix until commit', async () => {
  const dir = await tempDir('io-tmp');
  const path = join(dir, 'out.jsonl');
  const writer = await openWriter(path, 'jsonl');
  await writer.write(sampleDocuments()[0]);
  assert.deepEqual(await readdir(dir), [`out.jsonl.${process.pid}.tmp`]);
  await writer.commit();
  assert.deepEqual(await readdir(dir), ['out.jsonl']);
});

test('detectInputFormat chooses by extension and names the file when it cannot', () => {
  assert.equal(detectInputFormat('/a/b.jsonl'), 'jsonl');
  assert.equal(detectInputFormat('/a/b.JSONL.ZST'), 'jsonl');
  assert.equal(detectInputFormat('b.jsonl.gz'), 'jsonl');
  assert.equal(detectInputFormat('b.parquet'), 'parquet');
  assert.equal(detectInputFormat('CC-MAIN-1.warc.gz'), 'warc');
  assert.equal(detectInputFormat('CC-MAIN-1.warc.wet.gz'), 'warc');
  assert.equal(detectInputFormat('x.wet.gz'), 'warc');
  assert.throws(() => detectInputFormat('/a/notes.txt'), (err: unknown) => err instanceof UserError && /notes\.txt/.test(err.message));
});

test('outputExtension', () => {
  assert.deepEqual(OUTPUT_FORMATS.map(outputExtension), ['.jsonl', '.jsonl.gz', '.jsonl.zst', '.parquet']);
});

test('listInputFiles expands a folder recursively, sorted, without hidden, temporary or unknown files', async () => {
  const dir = await tempDir('io-list');
  const files = ['b.jsonl', 'a.parquet', 'sub/c.warc.gz', 'sub/deep/d.jsonl.zst', 'x.jsonl.123.tmp', '.hidden.jsonl', '.git/e.jsonl', 'notes.txt'];
  for (const file of files) {
    await mkdir(join(dir, file, '..'), { recursive: true });
    await writeFile(join(dir, file), '');
  }
  assert.deepEqual(await listInputFiles(dir), ['a.parquet', 'b.jsonl', 'sub/c.warc.gz', 'sub/deep/d.jsonl.zst'].map((f) => join(dir, f)));
  assert.deepEqual(await listInputFiles(dir, '*.jsonl*'), ['b.jsonl', 'sub/deep/d.jsonl.zst'].map((f) => join(dir, f)));
  assert.deepEqual(await listInputFiles(dir, 'sub/*'), [join(dir, 'sub/c.warc.gz')]);
  assert.deepEqual(await listInputFiles(dir, 'sub/**/*.{zst,gz}'), ['sub/c.warc.gz', 'sub/deep/d.jsonl.zst'].map((f) => join(dir, f)));
  assert.deepEqual(await listInputFiles(join(dir, 'b.jsonl')), [join(dir, 'b.jsonl')]);
  await assert.rejects(listInputFiles(join(dir, 'missing')), UserError);
});

test('globToRegExp', () => {
  assert.ok(globToRegExp('**/*.jsonl').test('a.jsonl'));
  assert.ok(globToRegExp('**/*.jsonl').test('x/y/a.jsonl'));
  assert.ok(!globToRegExp('*.jsonl').test('x/a.jsonl'));
  assert.ok(globToRegExp('shard-?.{jsonl,parquet}').test('shard-1.parquet'));
  assert.ok(!globToRegExp('shard-?.{jsonl,parquet}').test('shard-12.parquet'));
  assert.ok(globToRegExp('a+b(1).jsonl').test('a+b(1).jsonl'));
});
