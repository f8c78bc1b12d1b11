/** `textsFromFiles`: plain text files line by line (endings kept), the pipeline's document files one text per document. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { textsFromFiles } from '../../src/tokenizer/train.js';
import { tempDir } from '../helpers/corpus.js';

async function collect(paths: string[], options: Parameters<typeof textsFromFiles>[1] = {}): Promise<string[]> {
  const texts: string[] = [];
  for await (const text of textsFromFiles(paths, options)) texts.push(text);
  return texts;
}

test('plain text: one text per line with its ending, across read chunks and gzip', async () => {
  const dir = await tempDir('train-input');
  const long = 'é'.repeat(1_500_000);
  const content = `first line\r\n\nthird ${long} line\nno newline at the end`;
  await writeFile(join(dir, 'a.txt'), content);
  await writeFile(join(dir, 'b.txt.gz'), gzipSync(content));
  const expected = ['first line\r\n', '\n', `third ${long} line\n`, 'no newline at the end'];
  let bytes = 0;
  const files: string[] = [];
  const texts = await collect([join(dir, 'a.txt'), join(dir, 'b.txt.gz')], { onBytes: (n) => (bytes += n), onFileDone: (f) => files.push(f) });
  assert.deepEqual(texts, [...expected, ...expected]);
  assert.equal(bytes, Buffer.byteLength(content) + gzipSync(content).length);
  assert.deepEqual(files, [join(dir, 'a.txt'), join(dir, 'b.txt.gz')]);
});

test('document files: the text field of each record; malformed records go to onBadRecord', async () => {
  const dir = await tempDir('train-input');
  const jsonl = ['{"id":"1","text":"Hallo Welt"}', 'not json', '{"id":"2","content":"x","text":"zwei\\nZeilen"}'].join('\n') + '\n';
  await writeFile(join(dir, 'docs.jsonl.gz'), gzipSync(jsonl));
  const bad: string[] = [];
  assert.deepEqual(await collect([join(dir, 'docs.jsonl.gz')], { onBadRecord: (err) => bad.push(err.message) }), ['Hallo Welt', 'zwei\nZeilen']);
  assert.equal(bad.length, 1);
  await assert.rejects(collect([join(dir, 'docs.jsonl.gz')]), /docs\.jsonl\.gz:2/);
  assert.deepEqual(await collect([join(dir, 'docs.jsonl.gz')], { field: 'content', onBadRecord: () => {} }), ['x']);
});

test('a file of another kind is refused with the kinds that are read', async () => {
  const dir = await tempDir('train-input');
  await writeFile(join(dir, 'notes.md'), '# notes\n');
  await assert.rejects(collect([join(dir, 'notes.md')]), /notes\.md: not a training input; expected plain text \(\.txt/);
});
