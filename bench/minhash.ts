/**
 * Documents/s per core of MinHash signatures (normalise + 5-word shingles + xxHash64 + 112
 * hashes + band keys) on ~20,000 UDHR-based documents, next to numpy (bench/python/minhash.py,
 * datatrove's vectorised `(a*h + b) % p`) on the same documents with the same (a, b), in the same
 * run; both one thread, documents in memory, best of three. The signatures are compared too.
 * Then the memory of the resolve phase over 1M documents' collected keys (synthetic keys written
 * to disk in the real format; the resolve runs in a fresh process so its peak RSS is its own).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { documentToJson, type Document } from '../src/corpus/document.js';
import { createMinhashStep, MinhashSigner, MINHASH_DEFAULTS } from '../src/corpus/dedup/index.js';
import { taskPaths } from '../src/corpus/dedup/decisions.js';
import { readKeyFileHeader, sortRecords, writeKeyFile } from '../src/corpus/dedup/key-file.js';
import { writeFileAtomic } from '../src/util/fs.js';
import { mulberry32 } from '../tools/udhr.js';
import { makeBenchCorpus } from './corpus.js';

const COUNT = Number(process.env.BENCH_DOCS ?? 20_000);
const RESOLVE_DOCS = Number(process.env.BENCH_RESOLVE_DOCS ?? 1_000_000);
const RESOLVE_TASKS = 20;
const REPEATS = 3;
const CHECK = 2000;
const OPTIONS = { n_grams: 5, num_buckets: 14, hashes_per_bucket: 8, seed: 1, keep: 'first' as const };

function ours(documents: Document[]): { seconds: number; signatures: BigUint64Array[] } {
  const signer = new MinhashSigner(MINHASH_DEFAULTS);
  let best = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    const started = performance.now();
    for (const doc of documents) signer.sign(doc.text);
    best = Math.min(best, (performance.now() - started) / 1000);
  }
  const signatures = documents.slice(0, CHECK).map((doc) => {
    signer.sign(doc.text);
    return signer.signature();
  });
  return { seconds: best, signatures };
}

/** The repository's .venv with numpy, xxhash and regex (from the local wheel store), made once. */
function python(): string {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const bin = join(root, '.venv', 'bin', 'python');
  const ready = (): boolean => existsSync(bin) && spawnSync(bin, ['-c', 'import numpy, xxhash, regex']).status === 0;
  if (!ready()) {
    if (!existsSync(bin)) spawnSync('python3', ['-m', 'venv', join(root, '.venv')], { stdio: 'inherit' });
    const pip = spawnSync(join(root, '.venv', 'bin', 'pip'), ['install', '--quiet', '--retries', '0', '--timeout', '5', 'numpy', 'xxhash', 'regex'], { encoding: 'utf8' });
    if (!ready()) throw new Error(`could not install numpy, xxhash and regex into .venv: ${pip.stderr}`);
  }
  return bin;
}

async function peer(dir: string, documents: Document[]): Promise<{ docsPerSecond: number; version: string; signatures: BigUint64Array }> {
  const docsFile = join(dir, 'docs.jsonl');
  const paramsFile = join(dir, 'params.json');
  const outFile = join(dir, 'numpy-signatures.bin');
  await writeFile(docsFile, documents.map(documentToJson).join('\n') + '\n');
  const { a, b } = new MinhashSigner(MINHASH_DEFAULTS).parameters;
  await writeFile(paramsFile, JSON.stringify({ a: [...a].map(String), b: [...b].map(String) }));
  const bin = python();
  const script = fileURLToPath(new URL('../../bench/python/minhash.py', import.meta.url));
  const run = spawnSync(bin, [script, docsFile, paramsFile, String(REPEATS), outFile, String(CHECK)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`numpy peer failed: ${run.stderr}`);
  const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as { docs_per_s: number; numpy: string };
  const version = `${spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim()}, numpy ${result.numpy}`;
  const bytes = await readFile(outFile);
  return { docsPerSecond: result.docs_per_s, version, signatures: new BigUint64Array(bytes.buffer, bytes.byteOffset, bytes.length / 8) };
}

/** A 32-bit mix (murmur3's finaliser) for synthetic keys. */
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * Collected keys of `documents` synthetic documents in RESOLVE_TASKS tasks, in the real format
 * (header taken from a real collector): 10% are near-copies of an earlier document, sharing each
 * band with probability 1/2 (at least one); the rest have random band keys.
 */
async function writeSyntheticRun(dir: string, documents: number): Promise<void> {
  const probeDir = join(dir, 'probe');
  const probe = await createMinhashStep(OPTIONS).collect({ index: 0, inputFile: '' }, probeDir);
  probe.add({ id: 'probe', text: 'probe', metadata: {} }, 0);
  await probe.finish();
  const { header } = await readKeyFileHeader(taskPaths(probeDir, 0).keys);
  const random = mulberry32(3);
  const bands = OPTIONS.num_buckets;
  const perTask = Math.ceil(documents / RESOLVE_TASKS);
  for (let task = 0; task < RESOLVE_TASKS; task++) {
    const first = task * perTask;
    const count = Math.max(0, Math.min(perTask, documents - first));
    const sections = Array.from({ length: bands }, () => new Uint32Array(3 * count));
    for (let ordinal = 0; ordinal < count; ordinal++) {
      const doc = first + ordinal;
      const source = doc > 0 && random() < 0.1 ? Math.floor(random() * doc) : -1;
      const forced = Math.floor(random() * bands);
      for (let band = 0; band < bands; band++) {
        const from = source >= 0 && (band === forced || random() < 0.5) ? source : doc;
        const hi = mix(from * 64 + band);
        sections[band]!.set([hi, mix(hi ^ 0x9e3779b9), ordinal], 3 * ordinal);
      }
    }
    const paths = taskPaths(dir, task);
    const ids = Array.from({ length: count }, (_, i) => JSON.stringify(`doc-${first + i}`));
    await writeFileAtomic(paths.ids, ids.join('\n') + '\n');
    const sorted = sections.map((s) => sortRecords(s, 2));
    await writeKeyFile(paths.keys, { ...header, sections: sorted.map(() => count), documents: count, skipped: 0 }, sorted);
  }
}

async function resolveMemory(dir: string): Promise<{ seconds: number; peakMb: number; baselineMb: number; summary: Record<string, number> }> {
  await writeSyntheticRun(dir, RESOLVE_DOCS);
  const module = new URL('../src/corpus/dedup/minhash-step.js', import.meta.url).href;
  const script = `
    const { createMinhashStep } = await import(${JSON.stringify(module)});
    const step = createMinhashStep(${JSON.stringify(OPTIONS)});
    const baseline = process.memoryUsage().rss;
    const started = performance.now();
    const summary = await step.resolve(${RESOLVE_TASKS}, ${JSON.stringify(dir)});
    const seconds = (performance.now() - started) / 1000;
    console.log(JSON.stringify({ seconds, peak: process.resourceUsage().maxRSS * 1024, baseline, summary }));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`resolve run failed: ${run.stderr}`);
  const out = JSON.parse(run.stdout.trim()) as { seconds: number; peak: number; baseline: number; summary: Record<string, number> };
  return { seconds: out.seconds, peakMb: out.peak / 2 ** 20, baselineMb: out.baseline / 2 ** 20, summary: out.summary };
}

export async function benchMinhash(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'apertus-bench-minhash-'));
  try {
    const { documents } = await makeBenchCorpus(COUNT);
    const megabytes = documents.reduce((n, d) => n + Buffer.byteLength(d.text), 0) / 1e6;
    process.stdout.write(`minhash: ${COUNT} documents (${megabytes.toFixed(1)} MB of text, 16 languages), 5-word shingles, 14 x 8 hashes\n`);
    const mine = ours(documents);
    const oursRate = COUNT / mine.seconds;
    process.stdout.write(`  apertus-ts (Node ${process.version}, WebAssembly kernel, 1 thread): ${mine.seconds.toFixed(3)} s, ${Math.round(oursRate)} docs/s\n`);
    const numpy = await peer(dir, documents);
    process.stdout.write(`  numpy (${numpy.version}, xxhash, regex, 1 thread): ${(COUNT / numpy.docsPerSecond).toFixed(3)} s, ${Math.round(numpy.docsPerSecond)} docs/s\n`);
    const same = mine.signatures.filter((sig, i) => sig.every((v, j) => v === numpy.signatures[i * sig.length + j])).length;
    process.stdout.write(`  identical signatures: ${same} of the first ${mine.signatures.length} documents\n`);
    const resolve = await resolveMemory(join(dir, 'resolve'));
    process.stdout.write(`  resolve over ${RESOLVE_DOCS} documents' keys (${RESOLVE_TASKS} tasks, synthetic, 10% near-copies): ${resolve.seconds.toFixed(1)} s, ` +
      `peak RSS ${Math.round(resolve.peakMb)} MB (Node baseline ${Math.round(resolve.baselineMb)} MB), ${JSON.stringify(resolve.summary)}\n`);
    const ratio = oursRate / numpy.docsPerSecond;
    process.stdout.write(`${JSON.stringify({ bench: 'minhash', ours_docs_per_s_per_core: Math.round(oursRate), numpy_docs_per_s_per_core: Math.round(numpy.docsPerSecond), ratio: Number(ratio.toFixed(2)) })}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
