/**
 * Documents/s per core of the `robots` + `pii` steps on a generated crawl of 100,000 documents,
 * next to a Python implementation of the same rules (bench/python: RFC 9309 matching, datatrove's
 * PII regexes) run in the same benchmark on the same data. Both sides: one thread, documents in
 * memory, snapshot loading included, best of three.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPipelineConfig } from '../src/corpus/config.js';
import { documentToJson, type Document } from '../src/corpus/document.js';
import { runPipeline } from '../src/corpus/run.js';
import type { ExtraCounters } from '../src/corpus/step.js';
import { createPiiStep } from '../src/corpus/steps/pii.js';
import { createRobotsStep } from '../src/corpus/steps/robots.js';
import { makeBenchCorpus } from './corpus.js';

const COUNT = Number(process.env.BENCH_DOCS ?? 100_000);
const REPEATS = 3;

async function ours(documents: Document[], snapshot: string): Promise<{ seconds: number; kept: number; redacted: number }> {
  let best = Infinity;
  let kept = 0;
  let redacted = 0;
  for (let r = 0; r < REPEATS; r++) {
    const copies = documents.map((d) => ({ ...d, metadata: {} }));
    const started = performance.now();
    // A fresh step each round, and the snapshot read from disk each round, as a task would.
    const robots = createRobotsStep({ snapshot, name: `robots-${r}` });
    const pii = createPiiStep({});
    await robots.open?.({ index: r, inputFile: '' });
    const extra: ExtraCounters = {};
    kept = redacted = 0;
    for (const doc of copies) {
      if (!robots.apply(doc, extra).keep) continue;
      kept++;
      const verdict = pii.apply(doc, extra);
      if (verdict.keep && verdict.modified) redacted++;
    }
    best = Math.min(best, (performance.now() - started) / 1000);
  }
  return { seconds: best, kept, redacted };
}

/** The same steps through `data run` (read JSONL, write jsonl.zst and the audit), 1 and 2 workers. */
async function endToEnd(dir: string, documents: Document[], snapshot: string): Promise<void> {
  const input = join(dir, 'input');
  await mkdir(input, { recursive: true });
  const perFile = Math.ceil(documents.length / 8);
  for (let f = 0; f < 8; f++) {
    const lines = documents.slice(f * perFile, (f + 1) * perFile).map(documentToJson);
    await writeFile(join(input, `part-${f}.jsonl`), lines.join('\n') + '\n');
  }
  for (const workers of [1, 2]) {
    const config = await loadPipelineConfig(await writeConfig(dir, input, snapshot, workers));
    const summary = await runPipeline(config, { workers, overwrite: true });
    const rate = documents.length / summary.seconds;
    process.stdout.write(`  apertus data run (JSONL in, jsonl.zst out, ${workers} worker(s)): ${summary.seconds.toFixed(2)} s, ${Math.round(rate)} docs/s, ${Math.round(rate / workers)} docs/s per core\n`);
  }
}

async function writeConfig(dir: string, input: string, snapshot: string, workers: number): Promise<string> {
  const file = join(dir, `pipeline-${workers}.yaml`);
  const yaml = `input: {path: ${input}}\noutput: {path: ${join(dir, `out-${workers}`)}}\nsteps:\n  - step: robots\n    snapshot: ${snapshot}\n  - step: pii\n`;
  await writeFile(file, yaml);
  return file;
}

export async function benchPipeline(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'apertus-bench-'));
  const corpus = await makeBenchCorpus(COUNT);
  const docsFile = join(dir, 'docs.jsonl');
  const snapshotFile = join(dir, 'snapshot.jsonl');
  await writeFile(docsFile, corpus.documents.map(documentToJson).join('\n') + '\n');
  await writeFile(snapshotFile, corpus.snapshot.join('\n') + '\n');
  const megabytes = corpus.documents.reduce((n, d) => n + Buffer.byteLength(d.text), 0) / 1e6;
  process.stdout.write(`pipeline: ${COUNT} documents (${megabytes.toFixed(1)} MB of text), ${corpus.snapshot.length} robots.txt entries\n`);

  const mine = await ours(corpus.documents, snapshotFile);
  const oursRate = COUNT / mine.seconds;
  process.stdout.write(`  apertus-ts (Node ${process.version}, 1 thread): ${mine.seconds.toFixed(3)} s, ${Math.round(oursRate)} docs/s, kept ${mine.kept}, redacted ${mine.redacted}\n`);

  const script = fileURLToPath(new URL('../../bench/python/pipeline.py', import.meta.url));
  const python = spawnSync('python3', [script, docsFile, snapshotFile, String(REPEATS)], { encoding: 'utf8' });
  if (python.status !== 0) throw new Error(`python peer failed: ${python.stderr}`);
  const peer = JSON.parse(python.stdout.trim().split('\n').pop()!) as { seconds: number; docs_per_s: number; kept: number; redacted: number };
  const version = spawnSync('python3', ['--version'], { encoding: 'utf8' }).stdout.trim();
  process.stdout.write(`  Python (${version}, re + RFC 9309 matcher, 1 thread): ${peer.seconds.toFixed(3)} s, ${Math.round(peer.docs_per_s)} docs/s, kept ${peer.kept}, redacted ${peer.redacted}\n`);
  await endToEnd(dir, corpus.documents, snapshotFile);
  const ratio = oursRate / peer.docs_per_s;
  process.stdout.write(
    `${JSON.stringify({ bench: 'pipeline', ours_docs_per_s_per_core: Math.round(oursRate), python_docs_per_s_per_core: Math.round(peer.docs_per_s), ratio: Number(ratio.toFixed(2)) })}\n`,
  );
}
