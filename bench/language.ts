/**
 * Documents/s per core of the `language` step (fastText lid.176, inference in TypeScript) next to
 * fastText's own Python binding (the C++ library) with the same lid.176.ftz, run in the same
 * benchmark on the same documents (bench/python/language.py). Both sides: one thread, documents
 * in memory, model loading timed apart, best of three.
 *
 * Two sets of 20,000 generated documents, each of 2-6 UDHR articles from one translation:
 * - web-like: translations drawn with Common Crawl-like weights (English 45%, then Russian,
 *   German, Japanese ...), and 10% spread over all ~530 translations of the `udhr` package;
 * - worst case: drawn uniformly from all ~530 translations, so that a word comes back only after
 *   more new words than the step's per-word cache holds: what is left is the cost of hashing.
 * UDHR has a small vocabulary per language, which flatters that cache on the web-like set; the
 * worst case bounds it from below.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { documentToJson, type Document } from '../src/corpus/document.js';
import { DEFAULT_LANGUAGE_MODEL } from '../src/corpus/lid/fasttext.js';
import { createLanguageStep } from '../src/corpus/steps/language.js';
import { declaration, mulberry32 } from '../tools/udhr.js';

const COUNT = Number(process.env.BENCH_LANGUAGE_DOCS ?? 20_000);
const REPEATS = 3;
// Compiled to dist/bench/: the repository root is two folders up.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VENV_PYTHON = join(ROOT, '.venv', 'bin', 'python');
/** Share of documents per translation, roughly as languages share Common Crawl; the rest go to all translations alike. */
const WEB_LIKE: Record<string, number> = {
  eng: 0.45, rus: 0.06, deu_1996: 0.06, jpn: 0.05, spa: 0.05, fra: 0.045, cmn_hans: 0.045, ita: 0.03,
  por_PT: 0.025, nld: 0.02, pol: 0.02, vie: 0.01, tur: 0.01, ind: 0.01, ces: 0.01,
};

interface Labelled {
  seconds: number;
  kept: number;
  byLanguage: Record<string, number>;
}

interface PeerResult extends Labelled {
  docs_per_s: number;
  by_language: Record<string, number>;
  fasttext: string;
  python: string;
}

/** Every UDHR translation of the `udhr` package, by file name. */
async function translations(): Promise<Map<string, string[][]>> {
  const folder = join(fileURLToPath(import.meta.resolve('udhr')), '..', 'declaration');
  const codes = (await readdir(folder)).filter((f) => f.endsWith('.html')).map((f) => f.slice(0, -'.html'.length)).sort();
  const texts = await Promise.all(codes.map(async (code) => [code, await declaration(code)] as const));
  return new Map(texts.filter(([, blocks]) => blocks.length > 0));
}

/** `count` documents of 2-6 articles, each from the translation `pick` draws. Deterministic. */
function makeDocuments(all: Map<string, string[][]>, count: number, pick: (random: () => number) => string): Document[] {
  const random = mulberry32(11);
  return Array.from({ length: count }, (_, i) => {
    const blocks = all.get(pick(random))!;
    const articles = Array.from({ length: 2 + Math.floor(random() * 5) }, () => blocks[Math.floor(random() * blocks.length)]!);
    return { id: `doc-${i}`, text: articles.flat().join('\n'), metadata: {} };
  });
}

function webLike(codes: string[]): (random: () => number) => string {
  return (random) => {
    let x = random();
    for (const [code, share] of Object.entries(WEB_LIKE)) {
      if (x < share) return code;
      x -= share;
    }
    return codes[Math.floor(random() * codes.length)]!;
  };
}

async function ours(documents: Document[]): Promise<Labelled> {
  const step = createLanguageStep({});
  await step.open?.({ index: 0, inputFile: '' });
  let best = Infinity;
  let kept = 0;
  const byLanguage: Record<string, number> = {};
  for (let r = 0; r < REPEATS; r++) {
    const copies = documents.map((d) => ({ ...d, metadata: {} as Record<string, unknown> }));
    const started = performance.now();
    kept = 0;
    for (const doc of copies) if (step.apply(doc, {}).keep) kept++;
    best = Math.min(best, (performance.now() - started) / 1000);
    if (r > 0) continue;
    for (const doc of copies) byLanguage[String(doc.metadata.language)] = (byLanguage[String(doc.metadata.language)] ?? 0) + 1;
  }
  return { seconds: best, kept, byLanguage };
}

function hasFastText(python: string): boolean {
  return spawnSync(python, ['-c', 'import fasttext'], { stdio: 'ignore' }).status === 0;
}

/**
 * A Python with the fastText binding: the repository's .venv (made here, with the binding from
 * the package store if it has one), else the system Python (Debian: apt-get install
 * python3-fasttext), else the reason there is none.
 */
function peerPython(): { python: string } | { missing: string } {
  if (!existsSync(VENV_PYTHON)) spawnSync('python3', ['-m', 'venv', join(ROOT, '.venv')], { stdio: 'ignore' });
  if (hasFastText(VENV_PYTHON)) return { python: VENV_PYTHON };
  for (const name of ['fasttext', 'fasttext-wheel']) {
    // --retries 0: offline, an index that cannot be reached should fail at once, not after back-offs.
    spawnSync(VENV_PYTHON, ['-m', 'pip', 'install', '--quiet', '--retries', '0', name], { stdio: 'ignore' });
    if (hasFastText(VENV_PYTHON)) return { python: VENV_PYTHON };
  }
  for (const python of ['python3', '/usr/bin/python3']) if (hasFastText(python)) return { python };
  return {
    missing: 'no Python fastText binding: pip finds neither fasttext nor fasttext-wheel in the package store, and no system Python has it (Debian: apt-get install python3-fasttext)',
  };
}

async function runPeer(python: string, documents: Document[]): Promise<PeerResult> {
  const dir = await mkdtemp(join(tmpdir(), 'apertus-bench-language-'));
  const docsFile = join(dir, 'docs.jsonl');
  await writeFile(docsFile, documents.map(documentToJson).join('\n') + '\n');
  const script = fileURLToPath(new URL('../../bench/python/language.py', import.meta.url));
  const run = spawnSync(python, [script, docsFile, DEFAULT_LANGUAGE_MODEL, String(REPEATS)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`python peer failed: ${run.stderr}`);
  const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as PeerResult;
  return { ...result, byLanguage: result.by_language };
}

/** Documents whose label differs between the two sides, from the per-label counts. */
function labelDifference(a: Record<string, number>, b: Record<string, number>): number {
  let diff = 0;
  for (const label of new Set([...Object.keys(a), ...Object.keys(b)])) diff += Math.abs((a[label] ?? 0) - (b[label] ?? 0));
  return diff / 2;
}

interface Figures {
  ours: number;
  peer?: number;
}

async function compare(name: string, documents: Document[], python: string | undefined): Promise<Figures> {
  const megabytes = documents.reduce((n, d) => n + Buffer.byteLength(d.text), 0) / 1e6;
  process.stdout.write(`  ${name}: ${documents.length} documents, ${megabytes.toFixed(1)} MB of text\n`);
  const mine = await ours(documents);
  const rate = documents.length / mine.seconds;
  process.stdout.write(`    apertus-ts (Node ${process.version}, TypeScript inference, 1 thread): ${mine.seconds.toFixed(3)} s, ${Math.round(rate)} docs/s, kept ${mine.kept}\n`);
  if (!python) return { ours: rate };
  const peer = await runPeer(python, documents);
  process.stdout.write(`    Python fasttext ${peer.fasttext} (C++, Python ${peer.python}, 1 thread): ${peer.seconds.toFixed(3)} s, ${Math.round(peer.docs_per_s)} docs/s, kept ${peer.kept}\n`);
  process.stdout.write(`    labelled differently by the two sides: ${labelDifference(mine.byLanguage, peer.byLanguage)} of ${documents.length}; ours/peer ${(rate / peer.docs_per_s).toFixed(2)}\n`);
  return { ours: rate, peer: peer.docs_per_s };
}

export async function benchLanguage(): Promise<void> {
  const all = await translations();
  const codes = [...all.keys()];
  process.stdout.write(`language: lid.176.ftz, threshold 0.65, UDHR articles from ${codes.length} translations\n`);
  const found = peerPython();
  const python = 'python' in found ? found.python : undefined;
  if ('missing' in found) process.stdout.write(`  peer: none (${found.missing})\n`);
  const version = python ? spawnSync(python, ['-c', 'import importlib.metadata as m; print(m.version("fasttext"))'], { encoding: 'utf8' }).stdout.trim() : '';
  const web = await compare('web-like language mix', makeDocuments(all, COUNT, webLike(codes)), python);
  const worst = await compare('worst case: uniform over all translations', makeDocuments(all, COUNT, (random) => codes[Math.floor(random() * codes.length)]!), python);
  const ratio = (f: Figures) => (f.peer ? Number((f.ours / f.peer).toFixed(2)) : null);
  const round = (x: number | undefined) => (x === undefined ? null : Math.round(x));
  process.stdout.write(
    `${JSON.stringify({
      bench: 'language',
      ours_docs_per_s_per_core: round(web.ours),
      peer: python ? `Python fasttext ${version} (C++ fastText), lid.176.ftz` : null,
      peer_docs_per_s_per_core: round(web.peer),
      ratio: ratio(web),
      worst_case_ours_docs_per_s_per_core: round(worst.ours),
      worst_case_peer_docs_per_s_per_core: round(worst.peer),
      worst_case_ratio: ratio(worst),
    })}\n`,
  );
}
