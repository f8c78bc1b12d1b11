/**
 * `tokenizeToShards`: the pipeline's document files into one Megatron dataset, on worker threads,
 * with a trivial bytes-as-ids tokenizer (test/tokenizer/tokenize-bytes-tokenizer.ts).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { Command } from 'commander';
import { registerTokenizeCommand } from '../../src/cli/tokenize.js';
import { openWriter } from '../../src/corpus/io/index.js';
import { IndexedDataset } from '../../src/tokenizer/shards/index.js';
import { trainBpe } from '../../src/tokenizer/train.js';
import { loadTokenizer } from '../../src/tokenizer/tokenizer-json.js';
import { writeTokenizerJson } from '../../src/tokenizer/tokenizer-json-write.js';
import { tokenizeToShards, type TokenizeOptions, type TokenizeStats } from '../../src/tokenizer/tokenize-run.js';
import { seeded, tempDir } from '../helpers/corpus.js';
import { bytesTokenizer } from './tokenize-bytes-tokenizer.js';

const LOADER = new URL('./tokenize-bytes-tokenizer.js', import.meta.url).href;
const WORDS = ['the', 'der', 'le', 'Straße', 'été', '東京', 'سلام', 'naïve', '🙂', 'и'];
const LANGUAGES = ['en', 'de', 'fr', undefined];

interface Fixture {
  dir: string;
  input: string;
  tokenizer: string;
  /** Texts in input order (sorted file names, then file order); empty ones included. */
  texts: string[];
  languages: (string | undefined)[];
}

/** Four input files in three formats; one empty text, one malformed JSON line. */
async function makeFixture(offset = 4): Promise<Fixture> {
  const dir = await tempDir('tokenize');
  const input = join(dir, 'input');
  const random = seeded(5);
  const texts: string[] = [];
  const languages: (string | undefined)[] = [];
  const formats = ['jsonl', 'jsonl.zst', 'parquet', 'jsonl.gz'] as const;
  for (let f = 0; f < formats.length; f++) {
    const writer = await openWriter(join(input, `part-${f}.${formats[f]}`), formats[f]);
    for (let i = 0; i < 40; i++) {
      const text = f === 1 && i === 3 ? '' : Array.from({ length: 1 + Math.floor(random() * 30) }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');
      const language = LANGUAGES[(f + i) % LANGUAGES.length];
      await writer.write({ id: `${f}-${i}`, text, metadata: language ? { language } : {} });
      texts.push(text);
      languages.push(language);
    }
    await writer.commit();
  }
  const bad = [JSON.stringify({ id: 'x', text: 'last file', metadata: { language: 'en' } }), '{not json', JSON.stringify({ id: 'y', text: 'tail' })];
  await writeFile(join(input, 'part-9.jsonl'), `${bad.join('\n')}\n`);
  texts.push('last file', 'tail');
  languages.push('en', undefined);
  const tokenizer = join(dir, 'tokenizer.json');
  await writeFile(tokenizer, JSON.stringify({ offset, vocab_size: 256 + offset }));
  return { dir, input, tokenizer, texts, languages };
}

function run(fixture: Fixture, out: string, options: Partial<TokenizeOptions> = {}) {
  return tokenizeToShards({ input: fixture.input, tokenizer: fixture.tokenizer, out: join(fixture.dir, out), loader: LOADER, ...options });
}

async function documentsOf(prefix: string): Promise<number[][]> {
  const dataset = await IndexedDataset.open(prefix);
  try {
    return Array.from(dataset.documents(), (d) => Array.from(d));
  } finally {
    dataset.close();
  }
}

async function sameFiles(a: string, b: string): Promise<void> {
  for (const ext of ['bin', 'idx', 'stats.json']) assert.deepEqual(await readFile(`${a}.${ext}`), await readFile(`${b}.${ext}`), ext);
}

test('documents become their tokens then EOS, byte-identical with 1 or 3 workers, stats per language', async () => {
  const fixture = await makeFixture();
  const one = await run(fixture, 'one', { workers: 1 });
  const three = await run(fixture, 'three', { workers: 3 });
  assert.equal(one.complete, true);
  assert.equal(three.ran, 5);
  await sameFiles(join(fixture.dir, 'one'), join(fixture.dir, 'three'));
  assert.equal(existsSync(join(fixture.dir, 'one.parts')), false, 'parts are removed after the merge');

  const tokenizer = bytesTokenizer();
  const kept = fixture.texts.map((text, i) => ({ text, language: fixture.languages[i] ?? 'unknown' })).filter((d) => d.text !== '');
  const expected = kept.map((d) => [...tokenizer.encode(d.text), 2]);
  assert.deepEqual(await documentsOf(join(fixture.dir, 'one')), expected);

  const stats = JSON.parse(await readFile(join(fixture.dir, 'one.stats.json'), 'utf8')) as TokenizeStats;
  assert.equal(stats.documents, kept.length);
  assert.equal(stats.tokens, expected.reduce((n, d) => n + d.length, 0));
  assert.equal(stats.skipped_empty, 1);
  assert.equal(stats.bad_records, 1);
  assert.equal(stats.dtype, 'uint16');
  assert.equal(stats.eos_id, 2);
  const byLanguage: Record<string, { documents: number; tokens: number }> = {};
  kept.forEach((d, i) => {
    const entry = (byLanguage[d.language] ??= { documents: 0, tokens: 0 });
    entry.documents += 1;
    entry.tokens += expected[i]!.length;
  });
  assert.deepEqual(stats.by_language, byLanguage);
  assert.deepEqual(stats.inputs.map((i) => i.documents), [40, 39, 40, 40, 2]);
});

test('--no-eos writes the bare tokens; a vocabulary past 65,500 gives int32 shards', async () => {
  const fixture = await makeFixture(100_000);
  const summary = await run(fixture, 'wide', { eos: false, workers: 2 });
  assert.equal(summary.stats?.dtype, 'int32');
  assert.equal(summary.stats?.eos_id, null);
  const tokenizer = bytesTokenizer(100_000);
  assert.deepEqual(await documentsOf(join(fixture.dir, 'wide')), fixture.texts.filter((t) => t !== '').map((t) => tokenizer.encode(t)));
});

test('an interrupted run resumes with only its unfinished tasks and gives the same dataset', async () => {
  const fixture = await makeFixture();
  await run(fixture, 'fresh', { workers: 2 });
  const controller = new AbortController();
  const first = await run(fixture, 'resumed', { workers: 1, signal: controller.signal, onTaskDone: () => controller.abort() });
  assert.equal(first.interrupted, true);
  assert.equal(first.ran, 1);
  assert.equal(existsSync(join(fixture.dir, 'resumed.bin')), false);
  // What a task killed mid-write leaves behind: a temporary part, never a marker.
  await writeFile(join(fixture.dir, 'resumed.parts', '00003.bin.999.tmp'), 'partial');
  await writeFile(join(fixture.dir, 'resumed.bin.999.tmp'), 'a merge killed midway');

  await assert.rejects(run(fixture, 'resumed'), /unfinished run: use --resume/);
  const second = await run(fixture, 'resumed', { workers: 2, resume: true });
  assert.equal(second.complete, true);
  assert.equal(second.ran, 4, 'the finished task is not run again');
  await sameFiles(join(fixture.dir, 'fresh'), join(fixture.dir, 'resumed'));
  assert.deepEqual((await readdir(fixture.dir)).filter((name) => name.startsWith('resumed')).sort(), ['resumed.bin', 'resumed.idx', 'resumed.stats.json']);
});

test('a failed task is reported; after the file is repaired, --resume redoes only that task', async () => {
  const fixture = await makeFixture();
  const broken = join(fixture.input, 'part-3.jsonl.gz');
  const good = await readFile(broken);
  await writeFile(broken, good.subarray(0, good.length - 20));
  const failed = await run(fixture, 'out', { workers: 2 });
  assert.deepEqual(failed.failed.map((f) => f.index), [3]);
  assert.match(failed.failed[0]!.message, /part-3\.jsonl\.gz/);
  assert.equal(failed.complete, false);

  await writeFile(broken, good);
  const resumed = await run(fixture, 'out', { resume: true });
  assert.equal(resumed.ran, 1);
  await run(fixture, 'fresh');
  await sameFiles(join(fixture.dir, 'fresh'), join(fixture.dir, 'out'));
});

test('an existing dataset is kept unless --overwrite; --resume of a finished run does nothing', async () => {
  const fixture = await makeFixture();
  await run(fixture, 'out');
  await assert.rejects(run(fixture, 'out'), /out\.bin already exists: use --overwrite/);
  const again = await run(fixture, 'out', { resume: true });
  assert.equal(again.upToDate, true);
  assert.equal(again.ran, 0);
  await assert.rejects(run(fixture, 'out', { resume: true, eos: false }), /from other inputs, tokenizer or options/);
  const redone = await run(fixture, 'out', { overwrite: true, eos: false });
  assert.equal(redone.ran, 5);
  assert.equal(redone.stats?.eos_id, null);
});

test('gzip input with an empty file and a folder of one file', async () => {
  const dir = await tempDir('tokenize');
  await writeFile(join(dir, 'empty.jsonl.gz'), gzipSync(''));
  const tokenizer = join(dir, 'tok.json');
  await writeFile(tokenizer, '{}');
  const summary = await tokenizeToShards({ input: join(dir, 'empty.jsonl.gz'), tokenizer, out: join(dir, 'empty'), loader: LOADER });
  assert.equal(summary.stats?.documents, 0);
  assert.deepEqual(await documentsOf(join(dir, 'empty')), []);
  await assert.rejects(tokenizeToShards({ input: join(dir, 'nothing'), tokenizer, out: join(dir, 'x'), loader: LOADER }), /nothing: no such file/);
});

/** Run `apertus data ...` in-process (the command group as main.ts wires it); returns stdout. */
async function cli(args: string[]): Promise<string> {
  const program = new Command('apertus').exitOverride();
  registerTokenizeCommand(program.command('data'));
  const printed: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => printed.push(chunk) > 0) as typeof process.stdout.write;
  try {
    await program.parseAsync(['data', ...args], { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  return printed.join('');
}

test('apertus data tokenize with a trained tokenizer.json: each document is encode(text) then </s>', async () => {
  const fixture = await makeFixture();
  const model = await trainBpe(fixture.texts, { vocabSize: 400 });
  const tokenizerFile = join(fixture.dir, 'bpe.json');
  await writeTokenizerJson(tokenizerFile, model);
  const out = join(fixture.dir, 'bpe');
  const printed = await cli(['tokenize', '--input', fixture.input, '--tokenizer', tokenizerFile, '--out', out, '--workers', '2', '--no-progress']);
  assert.match(printed, /bpe\.bin\/\.idx: 161 documents, [\d,]+ tokens \(uint16\)/);
  const tokenizer = await loadTokenizer(tokenizerFile);
  const expected = fixture.texts.filter((t) => t !== '').map((t) => [...tokenizer.encode(t), 2]);
  assert.deepEqual(await documentsOf(out), expected);
  assert.ok(expected.reduce((n, d) => n + d.length, 0) < fixture.texts.join('').length, 'BPE merges bytes');
});

test('apertus data shard-info prints documents, tokens and dtype', async () => {
  const fixture = await makeFixture();
  await run(fixture, 'info');
  const printed = await cli(['shard-info', join(fixture.dir, 'info.idx'), '--json']);
  const info = JSON.parse(printed) as { documents: number; tokens: number; dtype: string; by_language: Record<string, unknown> };
  const stats = JSON.parse(await readFile(join(fixture.dir, 'info.stats.json'), 'utf8')) as TokenizeStats;
  assert.equal(info.documents, stats.documents);
  assert.equal(info.tokens, stats.tokens);
  assert.equal(info.dtype, 'uint16');
  assert.deepEqual(info.by_language, stats.by_language);
  assert.deepEqual((await readdir(fixture.dir)).sort(), ['info.bin', 'info.idx', 'info.stats.json', 'input', 'tokenizer.json']);
});
