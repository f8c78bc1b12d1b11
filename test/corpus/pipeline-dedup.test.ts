import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadPipelineConfig } from '../../src/corpus/config.js';
import type { Document } from '../../src/corpus/document.js';
import { openReader } from '../../src/corpus/io/index.js';
import { runPipeline } from '../../src/corpus/run.js';
import { outputDigests, readJson, seeded, tempDir } from '../helpers/corpus.js';

// Words of letters only: normalisation maps every digit to 0.
const VOCABULARY = Array.from({ length: 3000 }, (_, i) => {
  let word = '';
  for (let n = i + 1; n > 0; n = Math.floor(n / 26)) word += String.fromCharCode(97 + (n % 26));
  return `${word}o`;
});

/**
 * Four files of documents where some documents reappear in other files: exact copies, copies
 * with different case and spacing, and near copies with two words changed.
 */
async function makeDuplicatedCorpus(dir: string): Promise<string> {
  const random = seeded(11);
  const input = join(dir, 'input');
  await mkdir(input, { recursive: true });
  const base = Array.from({ length: 120 }, () => Array.from({ length: 150 }, () => VOCABULARY[Math.floor(random() * VOCABULARY.length)]!));
  const files: string[][] = [[], [], [], []];
  base.forEach((words, i) => files[i % 4]!.push(JSON.stringify({ id: `base-${i}`, text: words.join(' ') })));
  for (let i = 0; i < 30; i++) {
    const words = [...base[i]!];
    const kind = i % 3;
    if (kind === 2) {
      words[10] = 'changed';
      words[90] = 'edited';
    }
    const text = kind === 1 ? words.join('  ').toUpperCase() : words.join(' ');
    // Copies come after their original in input order (last file), so the original is kept.
    files[3]!.push(JSON.stringify({ id: `copy-${i}-${['exact', 'case', 'near'][kind]}`, text }));
  }
  for (let f = 0; f < 4; f++) await writeFile(join(input, `part-${f}.jsonl`), `${files[f]!.join('\n')}\n`);
  return input;
}

async function readIds(dir: string): Promise<string[]> {
  const ids: string[] = [];
  for (const file of (await readdir(dir)).sort()) {
    const docs = openReader(join(dir, file), { fields: { id: 'id', text: 'text', url: 'url', date: 'date', source: 'source' }, onBadRecord: () => undefined });
    for await (const doc of docs as AsyncIterable<Document>) ids.push(doc.id);
  }
  return ids;
}

test('global steps deduplicate across all files, the same with 1 or 2 workers', async () => {
  const dir = await tempDir('dedup-run');
  const input = await makeDuplicatedCorpus(dir);
  const yaml = (out: string) => `input: {path: ${input}}\noutput: {path: ${out}, format: jsonl}\nsteps:\n  - step: exact_dedup\n  - step: minhash_dedup\n`;
  await writeFile(join(dir, 'one.yaml'), yaml(join(dir, 'one')));
  await writeFile(join(dir, 'two.yaml'), yaml(join(dir, 'two')));
  const one = await runPipeline(await loadPipelineConfig(join(dir, 'one.yaml')), { workers: 1 });
  const two = await runPipeline(await loadPipelineConfig(join(dir, 'two.yaml')), { workers: 2 });
  assert.ok(one.complete && two.complete);
  assert.deepEqual(await outputDigests(join(dir, 'one')), await outputDigests(join(dir, 'two')));

  const [exact, minhash] = one.stats.steps;
  assert.equal(exact!.in, 150);
  assert.equal(exact!.removed.exact_duplicate, 20, 'exact and case/spacing copies');
  assert.equal(minhash!.in, 130);
  assert.equal(minhash!.removed.minhash_duplicate, 10, 'near copies');
  assert.equal(one.stats.output.documents, 120);
  const kept = await readIds(join(dir, 'one', 'documents'));
  assert.equal(kept.length, 120);
  assert.ok(kept.every((id) => id.startsWith('base-')), 'the first copy in input order is kept');
  // Stages are cleaned up once the run is complete; their markers stay.
  assert.ok(!existsSync(join(dir, 'one', 'stages', 'exact_dedup', 'documents')));
  assert.ok(existsSync(join(dir, 'one', 'stages', 'exact_dedup', 'resolved.json')));
  const stats = await readJson<{ steps: { name: string; extra: Record<string, number> }[] }>(join(dir, 'one', 'stats.json'));
  assert.equal(stats.steps[1]!.extra.duplicates, 10);

  const resumed = await runPipeline(await loadPipelineConfig(join(dir, 'one.yaml')), { workers: 2, resume: true });
  assert.equal(resumed.ran, 0);
  assert.equal(resumed.stats.output.documents, 120);
});
