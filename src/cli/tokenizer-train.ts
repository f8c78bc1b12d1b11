import { Option, type Command } from 'commander';
import { stat } from 'node:fs/promises';
import { listInputFiles } from '../corpus/io/index.js';
import { writeTokenizerJson } from '../tokenizer/tokenizer-json-write.js';
import { textsFromFiles, trainBpe, type TrainProgress } from '../tokenizer/train.js';
import { DEFAULT_PATTERN, type BpeModel } from '../tokenizer/types.js';
import { UserError } from '../util/errors.js';
import { collect, positiveInt } from './options.js';
import { CountBar, ThroughputBar } from './progress.js';

export interface TrainFlags {
  input: string[];
  vocabSize: number;
  out: string;
  minFrequency: number;
  pattern: string;
  textField: string;
  maxPretokenLength?: number;
  progress?: boolean;
}

/**
 * `apertus tokenizer train`: a byte-level BPE tokenizer from document files or plain text, written
 * atomically as a Hugging Face tokenizer.json. Progress: input bytes while counting pre-tokens,
 * then merges. Nothing is written before the end, so an interrupted run leaves no partial file.
 */
export async function trainCommand(flags: TrainFlags): Promise<BpeModel> {
  const files = [...new Set((await Promise.all(flags.input.map((input) => listInputFiles(input)))).flat())];
  if (files.length === 0) throw new UserError(`--input ${flags.input.join(' ')}: no input files (document files .jsonl/.parquet/.warc..., or .txt named one by one)`);
  const totalBytes = (await Promise.all(files.map((f) => stat(f).then((s) => s.size)))).reduce((a, b) => a + b, 0);
  const started = performance.now();
  const show = flags.progress !== false;
  const countBar = show ? new ThroughputBar('count', totalBytes, files.length) : undefined;
  const log = (message: string) => (countBar ? countBar.log(message) : process.stderr.write(`${message}\n`));
  let mergeBar: CountBar | undefined;
  let badRecords = 0;
  let texts = 0;
  let distinct = 0;
  let merging = false;
  const onProgress = (p: TrainProgress) => {
    if (p.phase === 'count') {
      countBar?.advance(p.texts - texts, 0);
      texts = p.texts;
      distinct = p.distinctPretokens;
      return;
    }
    if (!merging) {
      merging = true;
      countBar?.stop();
      process.stderr.write(`${texts.toLocaleString('en-US')} texts, ${distinct.toLocaleString('en-US')} distinct pre-tokens counted in ${seconds(started)} s; learning merges\n`);
      if (show) mergeBar = new CountBar('merges', p.target);
    }
    mergeBar?.update(p.merges);
  };
  const input = textsFromFiles(files, {
    field: flags.textField,
    onBytes: (bytes) => countBar?.advance(0, bytes),
    onFileDone: () => countBar?.taskDone(),
    onBadRecord: (err) => {
      if (++badRecords <= 10) log(`skipped: ${err.message}`);
    },
  });
  try {
    const model = await trainBpe(input, {
      vocabSize: flags.vocabSize,
      minFrequency: flags.minFrequency,
      pattern: flags.pattern,
      maxPretokenLength: flags.maxPretokenLength,
      onProgress,
    });
    mergeBar?.stop();
    await writeTokenizerJson(flags.out, model);
    const size = model.vocab.size + model.specialTokens.length;
    if (badRecords > 0) process.stderr.write(`skipped ${badRecords} malformed record(s)\n`);
    if (size < flags.vocabSize) {
      process.stderr.write(`stopped at ${size} tokens, short of ${flags.vocabSize}: no pair left that occurs at least ${flags.minFrequency} times (lower --min-frequency or add text)\n`);
    }
    process.stdout.write(
      `${flags.out}: ${size} tokens (${model.specialTokens.length} special + 256 bytes + ${model.merges.length} merges) ` +
        `from ${texts.toLocaleString('en-US')} texts in ${files.length} file(s), in ${seconds(started)} s\n`,
    );
    return model;
  } finally {
    countBar?.stop();
    mergeBar?.stop();
  }
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}

/** Merges done out of the target: a bar on a terminal, a line every few seconds elsewhere. */

/** Adds `train` to the `tokenizer` command group; returns the new command. */
export function attachTrainCommand(tokenizer: Command): Command {
  return tokenizer
    .command('train')
    .description('train a byte-level BPE tokenizer and write it as a Hugging Face tokenizer.json')
    .requiredOption('--input <path>', 'document file or folder (.jsonl[.gz|.zst], .parquet, .warc[.gz]), or a .txt[.gz|.zst] file read line by line; repeatable', collect)
    .requiredOption('--vocab-size <n>', 'tokens in the vocabulary, the 4 special tokens and 256 bytes included', positiveInt)
    .requiredOption('--out <file>', 'tokenizer.json to write (atomically)')
    .option('--min-frequency <n>', 'never merge a pair seen fewer times (the vocabulary may end up smaller)', positiveInt, 2)
    .addOption(new Option('--pattern <regex>', 'pre-tokenization regex (tokenizers/Oniguruma syntax)').default(DEFAULT_PATTERN, 'the tekken split'))
    .option('--text-field <name>', 'field holding the text in JSONL and Parquet records', 'text')
    .option('--max-pretoken-length <bytes>', 'leave longer pre-tokens out of the counts', positiveInt)
    .option('--no-progress', 'no progress bar')
    .addHelpText(
      'after',
      '\nSpecial tokens: <unk> 0, <s> 1, </s> 2, <pad> 3; then the 256 bytes; then merges in order.\n' +
        'Memory grows with the number of distinct pre-tokens, not with the corpus. Deterministic: the\n' +
        'same texts give the same file, and the same merges as Hugging Face tokenizers\' BpeTrainer.',
    )
    .action(async (flags: TrainFlags) => {
      await trainCommand(flags);
    });
}
