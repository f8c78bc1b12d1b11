import type { Command } from 'commander';
import { interruptSignal } from './interrupt.js';
import { readFile } from 'node:fs/promises';
import { UserError } from '../util/errors.js';
import { exists } from '../util/fs.js';
import { collect, positiveInt } from './options.js';
import { ThroughputBar } from './progress.js';
import { formatTable } from './table.js';

export interface TokenizeFlags {
  input: string[];
  tokenizer: string;
  out: string;
  workers?: number;
  resume?: boolean;
  overwrite?: boolean;
  eos: boolean;
  textField?: string;
  progress?: boolean;
}

/**
 * `apertus data tokenize`: the pipeline's documents into one Megatron dataset, with a progress bar
 * and a per-language table. Ctrl-C stops the workers (a second press exits at once); the finished
 * tasks are kept for `--resume`.
 */
export async function tokenizeCommand(flags: TokenizeFlags): Promise<void> {
  const interrupt = interruptSignal();
  let bar: ThroughputBar | undefined;
  const log = (message: string) => (bar ? bar.log(message) : process.stderr.write(`${message}\n`));
  let badRecords = 0;
  // Loaded on demand: the readers pull in an HTML parser that other commands do not need.
  const { tokenizeToShards } = await import('../tokenizer/tokenize-run.js');
  try {
    const summary = await tokenizeToShards({
      input: flags.input,
      tokenizer: flags.tokenizer,
      out: flags.out,
      workers: flags.workers,
      resume: flags.resume,
      overwrite: flags.overwrite,
      eos: flags.eos,
      ...(flags.textField ? { fields: { text: flags.textField } } : {}),
      signal: interrupt.signal,
      onStart: ({ tasks, pending, totalBytes, workers, dtype, vocabSize }) => {
        process.stderr.write(`tokenize: ${tasks} file(s), ${pending} to run, ${workers} worker(s), vocabulary ${vocabSize} -> ${dtype}\n`);
        if (flags.progress !== false && pending > 0) bar = new ThroughputBar('tokenize', totalBytes, pending);
      },
      onProgress: (documents, bytes) => bar?.advance(documents, bytes),
      onTaskDone: () => bar?.taskDone(),
      onTaskFailed: (index, message) => log(`task ${index} failed: ${message}`),
      onBadRecord: (message) => {
        if (++badRecords <= 10) log(`skipped: ${message}`);
      },
    });
    bar?.stop();
    if (summary.interrupted) throw new UserError(`interrupted: ${summary.prefix}.parts/ keeps the finished files; rerun with --resume`);
    if (summary.failed.length > 0) {
      const lines = summary.failed.map((f) => `  task ${f.index} (${f.file}): ${f.message}`);
      throw new UserError(`${summary.failed.length} task(s) failed:\n${lines.join('\n')}\nfix the cause, then rerun with --resume to redo only those files`);
    }
    const stats = summary.stats!;
    if (summary.upToDate) process.stderr.write(`${summary.prefix}: already complete (nothing to do)\n`);
    process.stdout.write(`${languageTable(stats.by_language)}\n`);
    if (stats.skipped_empty || stats.bad_records) process.stdout.write(`skipped: ${stats.skipped_empty} empty document(s), ${stats.bad_records} malformed record(s)\n`);
    const rate = summary.tokensRun / Math.max(summary.seconds, 1e-3);
    process.stdout.write(
      `${summary.prefix}.bin/.idx: ${stats.documents.toLocaleString('en-US')} documents, ${stats.tokens.toLocaleString('en-US')} tokens (${stats.dtype})` +
        `${summary.ran > 0 ? `, ${Math.round(rate).toLocaleString('en-US')} tokens/s over ${summary.seconds.toFixed(1)} s` : ''}; stats in ${summary.prefix}.stats.json\n`,
    );
  } finally {
    bar?.stop();
    interrupt.release();
  }
}

function languageTable(byLanguage: Record<string, { documents: number; tokens: number }>): string {
  const rows = Object.entries(byLanguage)
    .sort((a, b) => b[1].tokens - a[1].tokens)
    .map(([language, c]) => [language, c.documents, c.tokens, Number((c.tokens / Math.max(1, c.documents)).toFixed(1))]);
  return formatTable(['language', 'documents', 'tokens', 'tokens/doc'], rows);
}

/** `apertus data shard-info`: what a Megatron dataset holds, checked against its format. */
export async function shardInfoCommand(prefix: string, flags: { json?: boolean }): Promise<void> {
  const { IndexedDataset } = await import('../tokenizer/shards/reader.js');
  const dataset = await IndexedDataset.open(prefix);
  try {
    const info = {
      prefix: dataset.prefix,
      dtype: dataset.dtype,
      documents: dataset.documentCount,
      sequences: dataset.sequenceCount,
      tokens: dataset.tokenCount,
      bin_bytes: dataset.binBytes,
    };
    const statsFile = `${dataset.prefix}.stats.json`;
    const stats = (await exists(statsFile)) ? (JSON.parse(await readFile(statsFile, 'utf8')) as { by_language?: Record<string, { documents: number; tokens: number }> }) : undefined;
    if (flags.json) {
      process.stdout.write(`${JSON.stringify({ ...info, ...(stats?.by_language ? { by_language: stats.by_language } : {}) })}\n`);
      return;
    }
    const rows = Object.entries(info).map(([key, value]) => [key, typeof value === 'number' ? value.toLocaleString('en-US') : value]);
    process.stdout.write(`${formatTable(['field', 'value'], rows)}\n`);
    if (stats?.by_language) process.stdout.write(`\n${languageTable(stats.by_language)}\n`);
  } finally {
    dataset.close();
  }
}

/** Add `tokenize` and `shard-info` to the `data` command group. */
export function registerTokenizeCommand(data: Command): void {
  data
    .command('tokenize')
    .description('tokenize document files into a Megatron-LM indexed dataset (PREFIX.bin + PREFIX.idx), EOS after each document')
    .requiredOption('-i, --input <path>', 'document file or folder (JSONL/.gz/.zst, Parquet, WARC); repeatable', collect)
    .requiredOption('-t, --tokenizer <file>', 'tokenizer.json')
    .requiredOption('-o, --out <prefix>', 'output prefix: writes PREFIX.bin, PREFIX.idx and PREFIX.stats.json')
    .option('-w, --workers <n>', 'worker threads (default: one per core)', positiveInt)
    .option('--resume', 'finish an interrupted or failed run: only unfinished files are tokenized')
    .option('--overwrite', 'replace an existing dataset or unfinished run at PREFIX')
    .option('--no-eos', 'do not append </s> after each document')
    .option('--text-field <name>', 'input field that holds the text (default: text)')
    .option('--no-progress', 'no progress bar')
    .action(async (flags: TokenizeFlags) => {
      await tokenizeCommand(flags);
    });
  data
    .command('shard-info')
    .description('documents, tokens and dtype of a Megatron indexed dataset (checks the .idx against the .bin)')
    .argument('<prefix>', 'dataset prefix (or its .bin / .idx path)')
    .option('--json', 'print one JSON object')
    .action(async (prefix: string, flags: { json?: boolean }) => {
      await shardInfoCommand(prefix, flags);
    });
}
