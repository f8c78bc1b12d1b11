/** `apertus tokenizer train`: document and text files in, a tokenizer.json out that loads and round-trips. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Command } from 'commander';
import { attachTrainCommand } from '../../src/cli/tokenizer-train.js';
import { loadTokenizer } from '../../src/tokenizer/tokenizer-json.js';
import { declaration } from '../../tools/udhr.js';
import { tempDir } from '../helpers/corpus.js';

async function run(args: string[]): Promise<void> {
  const tokenizer = new Command('tokenizer').exitOverride();
  attachTrainCommand(tokenizer);
  await tokenizer.parseAsync(['train', ...args, '--no-progress'], { from: 'user' });
}

test('trains on a folder of JSONL and a text file, writing a tokenizer.json that loads and round-trips', async () => {
  const dir = await tempDir('train-cli');
  const docs = join(dir, 'documents');
  const french = (await declaration('fra')).map((block) => block.join('\n'));
  const russian = (await declaration('rus')).flat();
  await writeFile(join(dir, 'ru.txt'), russian.join('\n'));
  await mkdir(docs);
  await writeFile(join(docs, 'part-0.jsonl.gz'), gzipSync(french.map((text, i) => JSON.stringify({ id: `${i}`, text })).join('\n')));
  const out = join(dir, 'out', 'tokenizer.json');
  await run(['--input', docs, '--input', join(dir, 'ru.txt'), '--vocab-size', '600', '--out', out]);
  const tokenizer = await loadTokenizer(out);
  assert.equal(tokenizer.vocabSize, 600);
  for (const text of [french[3]!, russian[5]!, 'ünïcödé 🙂 mixed текст']) assert.equal(tokenizer.decode(tokenizer.encode(text)), text);
  assert.equal(tokenizer.specialId('</s>'), 2);
  assert.deepEqual(await readdir(join(dir, 'out')), ['tokenizer.json']);
});

test('refuses a vocabulary size below 260 before reading, and writes nothing', async () => {
  const dir = await tempDir('train-cli');
  await writeFile(join(dir, 'a.txt'), 'some text\n');
  const out = join(dir, 'tokenizer.json');
  await assert.rejects(run(['--input', join(dir, 'a.txt'), '--vocab-size', '100', '--out', out]), /vocabulary size must be a whole number >= 260/);
  assert.equal(existsSync(out), false);
});
