import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { listInputFiles } from '../corpus/io/index.js';
import { DEFAULT_FIELDS, type FieldMap } from '../corpus/io/types.js';
import { sortKeys } from '../corpus/stats.js';
import { UserError } from '../util/errors.js';
import { exists, fileDigest, writeFileAtomic } from '../util/fs.js';
import { mergeShards } from './shards/merge.js';
import { dtypeForVocab, shardPaths } from './shards/megatron.js';
import { runTokenizePool } from './tokenize-pool.js';
import { loadTextTokenizer, type LanguageCounts, type TaskStats, type TokenizeSettings, type TokenizeTask } from './tokenize-task.js';

/** The module whose `loadTokenizer(path)` reads a tokenizer.json (the project's tokenizer). */
export const DEFAULT_TOKENIZER_LOADER = new URL('./tokenizer-json.js', import.meta.url).href;

export interface TokenizeOptions {
  /** Document files or folders (JSONL/.gz/.zst, Parquet, WARC): one task per file. */
  input: string | string[];
  /** The tokenizer file (tokenizer.json). */
  tokenizer: string;
  /** Output prefix: writes `PREFIX.bin`, `PREFIX.idx`, `PREFIX.stats.json`. */
  out: string;
  /** Worker threads (default: one per core, at most one per input file). */
  workers?: number;
  /** Finish an interrupted or failed run: only tasks without a completion marker run. */
  resume?: boolean;
  /** Replace an earlier result or unfinished run at `out`. */
  overwrite?: boolean;
  /** Append `</s>` after each document (default true). */
  eos?: boolean;
  /** Which input field holds the text and the other document fields. */
  fields?: Partial<FieldMap>;
  /** A module exporting `loadTokenizer(path)`, as a URL (default DEFAULT_TOKENIZER_LOADER). */
  loader?: string;
  signal?: AbortSignal;
  onStart?(info: { tasks: number; pending: number; totalBytes: number; workers: number; dtype: string; vocabSize: number }): void;
  onProgress?(documents: number, bytes: number, tokens: number): void;
  onTaskDone?(stats: TaskStats): void;
  onTaskFailed?(index: number, message: string): void;
  onBadRecord?(message: string): void;
}

/** `PREFIX.stats.json`: totals, per language and per input file. Keys sorted, no timings: byte-stable. */
export interface TokenizeStats {
  identity: string;
  tokenizer: { path: string; sha256: string; vocab_size: number };
  dtype: 'uint16' | 'int32';
  eos_id: number | null;
  documents: number;
  tokens: number;
  skipped_empty: number;
  bad_records: number;
  skipped: Record<string, number>;
  by_language: Record<string, LanguageCounts>;
  inputs: { file: string; documents: number; tokens: number }[];
}

export interface TokenizeSummary {
  prefix: string;
  /** The merged dataset and its stats exist. */
  complete: boolean;
  /** It was complete already (`--resume` of a finished run): nothing ran. */
  upToDate: boolean;
  interrupted: boolean;
  failed: { index: number; file: string; message: string }[];
  tasks: number;
  /** Tasks run in this invocation, and the tokens they wrote. */
  ran: number;
  tokensRun: number;
  stats?: TokenizeStats;
  seconds: number;
}

/** Where a run keeps its part shards and completion markers until the merge. */
function partsLayout(prefix: string) {
  const dir = `${prefix}.parts`;
  const name = (index: number) => join(dir, String(index).padStart(5, '0'));
  return { dir, run: join(dir, 'run.json'), part: name, marker: (index: number) => `${name(index)}.done.json`, stats: `${prefix}.stats.json` };
}

async function inputFiles(input: string | string[]): Promise<string[]> {
  const paths = Array.isArray(input) ? input : [input];
  const files = [...new Set((await Promise.all(paths.map((p) => listInputFiles(p)))).flat())];
  if (files.length === 0) throw new UserError(`input ${JSON.stringify(input)}: no input files found`);
  return files;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Check `out` against earlier work: refuse to clobber, clear it (`overwrite`), or pick up the
 * unfinished run with the same identity (`resume`). Returns the finished stats when the same run
 * is already complete.
 */
async function prepareOutput(prefix: string, identity: string, options: TokenizeOptions): Promise<TokenizeStats | undefined> {
  const layout = partsLayout(prefix);
  const { bin, idx } = shardPaths(prefix);
  const finished = (await exists(bin)) || (await exists(idx));
  const unfinished = await exists(layout.run);
  if (options.overwrite) {
    for (const path of [bin, idx, layout.stats, layout.dir]) await rm(path, { recursive: true, force: true });
  } else if (unfinished) {
    if (!options.resume) throw new UserError(`${layout.dir} holds an unfinished run: use --resume to finish it or --overwrite to start again`);
    const previous = JSON.parse(await readFile(layout.run, 'utf8')) as { identity: string };
    if (previous.identity !== identity) throw new UserError(`${layout.dir} holds a run of other inputs, tokenizer or options: --resume needs the same ones (or use --overwrite)`);
  } else if (finished) {
    const stats = options.resume && (await exists(layout.stats)) ? (JSON.parse(await readFile(layout.stats, 'utf8')) as TokenizeStats) : undefined;
    if (stats?.identity === identity) return stats;
    throw new UserError(`${bin} already exists${options.resume ? ' from other inputs, tokenizer or options' : ''}: use --overwrite to replace it`);
  }
  await mkdir(layout.dir, { recursive: true });
  await writeFileAtomic(layout.run, `${JSON.stringify({ identity }, null, 1)}\n`);
  // Leftovers of tasks (or a merge) killed midway: no marker was written, so they run again.
  for (const entry of await readdir(layout.dir)) if (entry.endsWith('.tmp')) await rm(join(layout.dir, entry), { force: true });
  const mergeLeftover = new RegExp(`^${escapeRegExp(basename(prefix))}\\.(bin|idx)\\.\\d+\\.tmp$`);
  for (const entry of await readdir(dirname(prefix))) if (mergeLeftover.test(entry)) await rm(join(dirname(prefix), entry), { force: true });
  return undefined;
}

/**
 * Tokenize the pipeline's document files into one Megatron indexed dataset at `out`: one task per
 * input file on worker threads, each writing a part shard, then a merge of the parts in input
 * order. The result is byte-identical whatever the number of workers, and a rerun with `resume`
 * after a crash or Ctrl-C runs only the tasks that had not finished.
 */
export async function tokenizeToShards(options: TokenizeOptions): Promise<TokenizeSummary> {
  const started = performance.now();
  const prefix = shardPaths(options.out).prefix;
  const layout = partsLayout(prefix);
  const files = await inputFiles(options.input);
  const loader = options.loader ?? DEFAULT_TOKENIZER_LOADER;
  const tokenizer = await loadTextTokenizer(options.tokenizer, loader);
  const eosId = options.eos === false ? undefined : tokenizer.specialId('</s>');
  if (options.eos !== false && eosId === undefined) throw new UserError(`${options.tokenizer}: the tokenizer has no </s> token to end documents with; add it, or pass --no-eos`);
  const settings: TokenizeSettings = { tokenizer: options.tokenizer, loader, eosId, dtype: dtypeForVocab(tokenizer.vocabSize), fields: { ...DEFAULT_FIELDS, ...options.fields } };
  const tokenizerDigest = await fileDigest(options.tokenizer);
  // Not the inputs' sizes: a user who repairs a corrupt file resumes to redo just that task.
  const identity = createHash('sha256')
    .update(JSON.stringify({ files, tokenizer: tokenizerDigest.sha256, eosId, dtype: settings.dtype, fields: settings.fields }))
    .digest('hex');
  const summary: TokenizeSummary = { prefix, complete: false, upToDate: false, interrupted: false, failed: [], tasks: files.length, ran: 0, tokensRun: 0, seconds: 0 };
  const done = await prepareOutput(prefix, identity, options);
  if (done) return { ...summary, complete: true, upToDate: true, stats: done, seconds: (performance.now() - started) / 1000 };

  const tasks: TokenizeTask[] = files.map((input, index) => ({ index, input, part: layout.part(index), marker: layout.marker(index) }));
  const pending: TokenizeTask[] = [];
  for (const task of tasks) if (!(await exists(task.marker))) pending.push(task);
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), pending.length || 1));
  let totalBytes = 0;
  for (const task of pending) totalBytes += (await stat(task.input)).size;
  options.onStart?.({ tasks: tasks.length, pending: pending.length, totalBytes, workers, dtype: settings.dtype, vocabSize: tokenizer.vocabSize });
  await runTokenizePool(pending, settings, workers, {
    onProgress: (d, b, t) => options.onProgress?.(d, b, t),
    onBadRecord: (m) => options.onBadRecord?.(m),
    onTaskDone: (stats) => {
      summary.ran += 1;
      summary.tokensRun += stats.tokens;
      options.onTaskDone?.(stats);
    },
    onTaskFailed: (index, message) => {
      summary.failed.push({ index, file: files[index]!, message });
      options.onTaskFailed?.(index, message);
    },
  }, options.signal);
  summary.interrupted = options.signal?.aborted ?? false;
  summary.seconds = (performance.now() - started) / 1000;
  if (summary.interrupted || summary.failed.length > 0) return summary;

  await mergeShards(tasks.map((t) => t.part), prefix);
  const results = await Promise.all(tasks.map(async (t) => JSON.parse(await readFile(t.marker, 'utf8')) as TaskStats));
  const stats = mergeStats(results, identity, { path: options.tokenizer, sha256: tokenizerDigest.sha256, vocab_size: tokenizer.vocabSize }, settings);
  await writeFileAtomic(layout.stats, `${JSON.stringify(sortKeys(stats), null, 1)}\n`);
  await rm(layout.dir, { recursive: true, force: true });
  return { ...summary, complete: true, stats, seconds: (performance.now() - started) / 1000 };
}

function mergeStats(results: TaskStats[], identity: string, tokenizer: TokenizeStats['tokenizer'], settings: TokenizeSettings): TokenizeStats {
  const stats: TokenizeStats = {
    identity,
    tokenizer,
    dtype: settings.dtype,
    eos_id: settings.eosId ?? null,
    documents: 0,
    tokens: 0,
    skipped_empty: 0,
    bad_records: 0,
    skipped: {},
    by_language: {},
    inputs: [],
  };
  for (const r of results) {
    stats.documents += r.documents;
    stats.tokens += r.tokens;
    stats.skipped_empty += r.skipped_empty;
    stats.bad_records += r.bad_records;
    for (const [reason, n] of Object.entries(r.skipped)) stats.skipped[reason] = (stats.skipped[reason] ?? 0) + n;
    for (const [language, counts] of Object.entries(r.by_language)) {
      const total = (stats.by_language[language] ??= { documents: 0, tokens: 0 });
      total.documents += counts.documents;
      total.tokens += counts.tokens;
    }
    stats.inputs.push({ file: r.input, documents: r.documents, tokens: r.tokens });
  }
  return stats;
}
