/**
 * `apertus data inject-probes`: probe passages into a training set at chosen repetition counts,
 * at random document positions, with a manifest of where each copy went (eval/inject.ts).
 *
 *   apertus data inject-probes --data tokens/corpus --probes probes.jsonl --tokenizer tokenizer.json \
 *     --buckets 0,1,4,16,64,128 --out tokens/corpus-probed
 *   -> tokens/corpus-probed.bin/.idx  (train on these)
 *      tokens/corpus-probed.probes.jsonl  (the manifest; pass it to eval memorization --probes)
 */
import type { Command } from 'commander';
import { injectProbes } from '../eval/inject.js';
import { readProbes } from '../eval/probes.js';
import { loadTokenizer } from '../tokenizer/index.js';
import { intList } from './options.js';
import { collect } from './options.js';
import { formatTable } from './table.js';

interface InjectFlags {
  probes: string;
  data: string[];
  out: string;
  tokenizer?: string;
  buckets?: number[];
  seed: number;
  eosId?: number;
  eos: boolean;
  overwrite?: boolean;
}

async function injectCommand(flags: InjectFlags): Promise<void> {
  const tokenizer = flags.tokenizer ? await loadTokenizer(flags.tokenizer) : undefined;
  const probes = await readProbes(flags.probes, { tokenizer, buckets: flags.buckets });
  const summary = await injectProbes({
    base: flags.data, probes, out: flags.out, seed: flags.seed, overwrite: flags.overwrite,
    eosId: flags.eos ? flags.eosId : null,
  });
  const rows = Object.entries(summary.buckets)
    .sort((a, b) => Number(a[0]) - Number(b[0]))
    .map(([bucket, b]) => [bucket === '0' ? '0 (control)' : bucket, b.probes, b.copies]);
  process.stdout.write(`${formatTable(['bucket', 'probes', 'copies'], rows)}\n`);
  process.stdout.write(`${summary.prefix}.bin/.idx: ${summary.baseDocuments.toLocaleString('en-US')} base documents + ${summary.copies.toLocaleString('en-US')} probe copies = ` +
    `${summary.documents.toLocaleString('en-US')} documents, ${summary.tokens.toLocaleString('en-US')} tokens\nmanifest: ${summary.manifest}\n`);
}

/** Adds `inject-probes` to the `data` command group. */
export function attachInjectProbesCommand(data: Command): Command {
  return data
    .command('inject-probes')
    .description('put probe passages into token shards at chosen repetition counts, at random positions, with a manifest')
    .requiredOption('--probes <file>', 'probe JSONL: {"id", "bucket" (copies; 0 = control), "ids" or "text"}')
    .option('--data <prefix>', 'base token shards (Megatron prefix; repeatable); none: the probes alone', collect, [])
    .requiredOption('--out <prefix>', 'output prefix: PREFIX.bin, PREFIX.idx and the manifest PREFIX.probes.jsonl')
    .option('--tokenizer <file>', 'tokenizer.json for probes given as text')
    .option('--buckets <n,...>', 'deal probes without a "bucket" over these counts in turn, e.g. 0,1,4,16,64,128', intList(0))
    .option('--seed <n>', 'seed of the positions', Number, 0)
    .option('--eos-id <n>', 'token after each copy (default: the base\'s eos_id from PREFIX.stats.json, else 2)', Number)
    .option('--no-eos', 'no token after the copies')
    .option('--overwrite', 'replace an existing output')
    .action((flags: InjectFlags) => injectCommand(flags));
}
