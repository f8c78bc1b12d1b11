/**
 * Agreement with Hugging Face `tokenizers`' BpeTrainer (bench/python/tokenizers_train.py: the same
 * split regex, byte-level alphabet, special tokens and minimum frequency) on the same text files:
 * every merge and every id should match. Skipped, with the reason, where Python `tokenizers`
 * cannot be installed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { textsFromFiles, trainBpe } from '../../src/tokenizer/train.js';
import { APERTUS_SPECIAL_TOKENS, DEFAULT_PATTERN, type BpeModel } from '../../src/tokenizer/types.js';
import { declaration } from '../../tools/udhr.js';
import { tempDir } from '../helpers/corpus.js';
import { pythonWith } from '../helpers/python.js';

const SCRIPT = fileURLToPath(new URL('../../../bench/python/tokenizers_train.py', import.meta.url));
const python = await pythonWith(['tokenizers']);

interface HfTokenizerJson {
  model: { vocab: Record<string, number>; merges: ([string, string] | string)[] };
}

async function trainBoth(file: string, vocabSize: number, minFrequency: number): Promise<{ ours: BpeModel; theirs: HfTokenizerJson }> {
  const ours = await trainBpe(textsFromFiles([file]), { vocabSize, minFrequency });
  const out = `${file}.hf.json`;
  const config = { files: [file], vocab_size: vocabSize, min_frequency: minFrequency, pattern: DEFAULT_PATTERN, special_tokens: APERTUS_SPECIAL_TOKENS.map((t) => t.content), out };
  await writeFile(`${file}.json`, JSON.stringify(config));
  await promisify(execFile)(python!, [SCRIPT, `${file}.json`], { env: { ...process.env, RAYON_NUM_THREADS: '1' } });
  return { ours, theirs: JSON.parse(await readFile(out, 'utf8')) as HfTokenizerJson };
}

function assertSameModel(ours: BpeModel, theirs: HfTokenizerJson): void {
  const theirMerges = theirs.model.merges.map((m) => (typeof m === 'string' ? m : m.join(' ')));
  assert.deepEqual(ours.merges.map(([a, b]) => `${a} ${b}`), theirMerges);
  const ourVocab = new Map([...ours.vocab, ...ours.specialTokens.map((t) => [t.content, t.id] as const)]);
  assert.deepEqual(ourVocab, new Map(Object.entries(theirs.model.vocab)));
}

test('the toy corpus gives the same merges and ids as tokenizers', { skip: python ? false : 'Python tokenizers not available' }, async () => {
  const dir = await tempDir('train-hf');
  const file = join(dir, 'toy.txt');
  await writeFile(file, 'low\n'.repeat(5) + 'lower\n'.repeat(2) + 'newest\n'.repeat(6) + 'widest\n'.repeat(3));
  const { ours, theirs } = await trainBoth(file, 1000, 2);
  assert.equal(ours.merges.length, 12);
  assertSameModel(ours, theirs);
});

test('the UDHR in 12 languages gives the same 2,700 merges and ids as tokenizers', { skip: python ? false : 'Python tokenizers not available' }, async () => {
  const codes = ['eng', 'deu_1996', 'fra', 'pol', 'rus', 'arb', 'hin', 'cmn_hans', 'jpn', 'tha', 'kor', 'heb'];
  const lines = (await Promise.all(codes.map(declaration))).flat(2);
  const dir = await tempDir('train-hf');
  const file = join(dir, 'udhr.txt');
  await writeFile(file, lines.join('\n') + '\n');
  const { ours, theirs } = await trainBoth(file, 3000, 2);
  assert.equal(ours.merges.length, 3000 - 260);
  assertSameModel(ours, theirs);
});
