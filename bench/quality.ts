/**
 * Documents/s per core of the four heuristic filters together, as FineWeb's pipeline runs them
 * (gopher_repetition, gopher_quality, c4_quality with filter_no_terminal_punct off, then
 * fineweb_quality; the first removal decides), next to a Python
 * implementation of the same rules (bench/python/quality.py) on the same documents in the same
 * run. Documents: UDHR articles in 18 languages, 150-600 words, about a third with web noise
 * planted (menus, cookie and JavaScript notices, lorem ipsum, code, repeats, bullets, hashtags,
 * teasers, number tables, stubs) so every rule has work. Both sides: one thread, documents in
 * memory, best of three. Also compares the two sides' decisions document by document.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { documentToJson, type Document } from '../src/corpus/document.js';
import type { ExtraCounters } from '../src/corpus/step.js';
import { createC4QualityStep } from '../src/corpus/steps/c4-quality.js';
import { createFinewebQualityStep } from '../src/corpus/steps/fineweb-quality.js';
import { createGopherQualityStep } from '../src/corpus/steps/gopher-quality.js';
import { createGopherRepetitionStep } from '../src/corpus/steps/gopher-repetition.js';
import { declaration, mulberry32 } from '../tools/udhr.js';

const COUNT = Number(process.env.BENCH_DOCS ?? 20_000);
const REPEATS = 3;

/** UDHR file -> the label a fastText `language` step writes. */
const LANGUAGES: Record<string, string> = {
  eng: 'en', deu_1996: 'de', fra: 'fr', spa: 'es', ita: 'it', nld: 'nl', pol: 'pl', por_PT: 'pt', rus: 'ru',
  cmn_hans: 'zh', jpn: 'ja', arb: 'ar', swe: 'sv', tur: 'tr', ces: 'cs', fin: 'fi', hin: 'hi', tha: 'th',
};

type Noise = (lines: string[], random: () => number) => string[];

const NOISES: Record<string, Noise> = {
  menu: (lines) => ['Home', 'News', 'About us', 'Contact', 'Login', ...lines],
  cookies: (lines) => [...lines, 'This website uses cookies to give you the best experience.'],
  javascript: (lines) => ['Please enable JavaScript in your browser to see this page.', ...lines],
  lorem: (lines) => [...lines, 'Lorem ipsum dolor sit amet, consectetur adipiscing elit.'],
  code: (lines) => [...lines, 'The default settings are { "theme": "dark", "size": 12 } for all users.'],
  repeat: (lines) => [...lines, ...lines.slice(0, Math.ceil(lines.length / 2))],
  bullets: (lines) => lines.map((l) => `- ${l}`),
  hashtags: (lines) => [...lines, Array.from({ length: 60 }, (_, i) => `#tag${i}`).join(' ')],
  teasers: (lines) => lines.map((l, i) => (i % 2 === 0 ? `${l.slice(0, 60)}...` : l)),
  numbers: (lines, random) => [
    ...lines,
    ...Array.from({ length: 30 }, () => Array.from({ length: 8 }, () => Math.floor(random() * 1e4)).join(' | ')),
  ],
  stub: (lines) => lines.slice(0, 2),
};

export async function makeQualityCorpus(count: number): Promise<Document[]> {
  const random = mulberry32(11);
  const codes = Object.keys(LANGUAGES);
  const texts = await Promise.all(codes.map((code) => declaration(code)));
  const noises = Object.values(NOISES);
  const documents: Document[] = [];
  for (let i = 0; i < count; i++) {
    const blocks = texts[i % codes.length]!;
    // 2-8 consecutive articles (the preamble, whose lines end in commas, now and then).
    let lines: string[] = [];
    const start = Math.floor(random() * blocks.length);
    const articles = 2 + Math.floor(random() * 7);
    for (let a = 0; a < articles; a++) lines.push(...blocks[(start + a) % blocks.length]!);
    if (random() < 0.35) lines = noises[Math.floor(random() * noises.length)]!(lines, random);
    documents.push({ id: `doc-${i}`, text: lines.join('\n'), metadata: { language: LANGUAGES[codes[i % codes.length]!]! } });
  }
  return documents;
}

interface Run {
  seconds: number;
  decisions: string[];
  modified: number;
}

function ours(documents: Document[]): Run {
  let best = Infinity;
  let decisions: string[] = [];
  let modified = 0;
  for (let r = 0; r < REPEATS; r++) {
    const copies = documents.map((d) => ({ ...d, metadata: { ...d.metadata } }));
    const started = performance.now();
    const steps = [
      createGopherRepetitionStep(),
      createGopherQualityStep(),
      createC4QualityStep({ filter_no_terminal_punct: false }),
      createFinewebQualityStep(),
    ];
    const extra: ExtraCounters = {};
    decisions = [];
    modified = 0;
    for (const doc of copies) {
      let decision = 'keep';
      for (const step of steps) {
        const verdict = step.apply(doc, extra);
        if (!verdict.keep) {
          decision = verdict.reason;
          break;
        }
        if (verdict.modified) modified++;
      }
      decisions.push(decision);
    }
    best = Math.min(best, (performance.now() - started) / 1000);
  }
  return { seconds: best, decisions, modified };
}

function tally(decisions: string[]): string {
  const counts = new Map<string, number>();
  for (const d of decisions) counts.set(d, (counts.get(d) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
}

const NO_SPACES = new Set(['zh', 'ja', 'th']);

function report(title: string, documents: Document[], mine: string[], theirs: string[], include: (d: Document) => boolean): void {
  const picked = [...documents.keys()].filter((i) => include(documents[i]!));
  const agree = picked.filter((i) => mine[i] === theirs[i]).length;
  const keptOurs = picked.filter((i) => mine[i] === 'keep').length;
  const keptTheirs = picked.filter((i) => theirs[i] === 'keep').length;
  const share = ((agree / picked.length) * 100).toFixed(2);
  process.stdout.write(`  ${title}: same decision on ${agree} of ${picked.length} (${share}%), kept ${keptOurs} / ${keptTheirs}\n`);
  const pick = (xs: string[]) => picked.map((i) => xs[i]!);
  const differences = disagreements(picked.map((i) => documents[i]!), pick(mine), pick(theirs));
  for (const line of differences.slice(0, 8)) process.stdout.write(`    ${line}\n`);
}

/** Where the two sides decide differently, by language and pair of decisions. */
function disagreements(documents: Document[], mine: string[], theirs: string[]): string[] {
  const counts = new Map<string, number>();
  documents.forEach((d, i) => {
    if (mine[i] === theirs[i]) return;
    const key = `${String(d.metadata.language)}: ours ${mine[i]} / python ${theirs[i]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  });
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${v} x ${k}`);
}

export async function benchQuality(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'apertus-bench-quality-'));
  const documents = await makeQualityCorpus(COUNT);
  const docsFile = join(dir, 'docs.jsonl');
  await writeFile(docsFile, documents.map(documentToJson).join('\n') + '\n');
  const megabytes = documents.reduce((n, d) => n + Buffer.byteLength(d.text), 0) / 1e6;
  const languages = Object.keys(LANGUAGES).length;
  process.stdout.write(`quality: ${COUNT} documents (${megabytes.toFixed(1)} MB of text) in ${languages} languages\n`);

  const mine = ours(documents);
  const oursRate = COUNT / mine.seconds;
  const kept = mine.decisions.filter((d) => d === 'keep').length;
  process.stdout.write(
    `  apertus-ts (Node ${process.version}, 1 thread): ${mine.seconds.toFixed(3)} s, ${Math.round(oursRate)} docs/s, ` +
      `kept ${kept} (${mine.modified} rewritten by c4_quality)\n`,
  );
  process.stdout.write(`    ${tally(mine.decisions)}\n`);

  const script = fileURLToPath(new URL('../../bench/python/quality.py', import.meta.url));
  const stopwords = createRequire(import.meta.url).resolve('stopwords-iso/stopwords-iso.json');
  const decisionsFile = join(dir, 'python-decisions.json');
  const python = spawnSync('python3', [script, docsFile, stopwords, String(REPEATS), decisionsFile], { encoding: 'utf8' });
  if (python.status !== 0) throw new Error(`python peer failed: ${python.stderr}`);
  const peer = JSON.parse(python.stdout.trim().split('\n').pop()!) as { seconds: number; docs_per_s: number; kept: number };
  const theirs = JSON.parse(await readFile(decisionsFile, 'utf8')) as string[];
  const version = spawnSync('python3', ['--version'], { encoding: 'utf8' }).stdout.trim();
  process.stdout.write(
    `  Python (${version}, re, 1 thread): ${peer.seconds.toFixed(3)} s, ${Math.round(peer.docs_per_s)} docs/s, kept ${peer.kept}\n`,
  );
  process.stdout.write(`    ${tally(theirs)}\n`);

  report('all languages', documents, mine.decisions, theirs, () => true);
  // The peer has no dictionary segmenter: it splits Chinese, Japanese and Thai into characters.
  report('languages written with spaces', documents, mine.decisions, theirs, (d) => !NO_SPACES.has(String(d.metadata.language)));
  const ratio = oursRate / peer.docs_per_s;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'quality',
      ours_docs_per_s_per_core: Math.round(oursRate),
      python_docs_per_s_per_core: Math.round(peer.docs_per_s),
      ratio: Number(ratio.toFixed(2)),
    })}\n`,
  );
}
