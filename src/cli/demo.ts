import type { Command } from 'commander';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPipelineConfig, stepName } from '../corpus/config.js';
import { calibrateCommand, runPipelineCommand } from './data.js';
import { positiveInt } from './options.js';
import { tokenizeCommand } from './tokenize.js';
import { trainCommand } from './tokenizer-train.js';
import { DEFAULT_PATTERN } from '../tokenizer/types.js';

/** The sample that ships with the project (examples/demo, three folders above dist/src/cli). */
export const DEMO_DIR = fileURLToPath(new URL('../../../examples/demo/', import.meta.url));

export interface DemoFlags {
  out: string;
  workers?: number;
  progress?: boolean;
}

/**
 * The whole flow on the shipped sample. Today: the compliant corpus pipeline over a small
 * multilingual web crawl (URL blocklist, retroactive robots.txt opt-out, language identification,
 * quality filters, toxicity at calibrated per-language cut-offs, deduplication, PII redaction),
 * then a BPE tokenizer trained on the clean corpus and the corpus as Megatron token shards.
 */
export async function runDemo(flags: DemoFlags): Promise<void> {
  const out = resolve(flags.out);
  const config = await loadPipelineConfig(resolve(DEMO_DIR, 'pipeline.yaml'));
  config.output.path = resolve(out, 'corpus');
  const toxicity = config.steps.find((s) => s.step === 'toxicity');
  if (toxicity) toxicity.cutoffs = resolve(out, 'toxicity-cutoffs.json');
  process.stdout.write(`apertus demo: corpus pipeline on the sample crawl in ${DEMO_DIR}\n\n`);
  if (toxicity) {
    process.stdout.write('1. toxicity cut-offs per language, calibrated on the sample:\n');
    await calibrateCommand(config, { step: stepName(toxicity), sample: 100_000 });
    process.stdout.write('\n2. the compliance pipeline:\n');
  }
  await runPipelineCommand(config, { overwrite: true, workers: flags.workers, progress: flags.progress });

  const documents = resolve(out, 'corpus/documents');
  const tokenizer = resolve(out, 'tokenizer.json');
  const shards = resolve(out, 'tokens/corpus');
  process.stdout.write('\n3. a byte-level BPE tokenizer trained on the clean corpus:\n');
  await trainCommand({ input: [documents], vocabSize: 2048, out: tokenizer, minFrequency: 2, pattern: DEFAULT_PATTERN, textField: 'text', progress: flags.progress });
  process.stdout.write('\n4. token shards (Megatron .bin/.idx, </s> after each document):\n');
  await tokenizeCommand({ input: [documents], tokenizer, out: shards, workers: flags.workers, overwrite: true, eos: true, progress: flags.progress });
  process.stdout.write(
    [
      '',
      'demo results:',
      `  clean corpus     ${resolve(out, 'corpus/documents')}`,
      `  audit            ${resolve(out, 'corpus/removed')}  (every removed document, with step, reason and detail)`,
      `  counters         ${resolve(out, 'corpus/stats.json')}  (per step, per language, per domain)`,
      `  manifest         ${resolve(out, 'corpus/manifest.json')}  (config, inputs and outputs with SHA-256, version, timings)`,
      `  tokenizer        ${tokenizer}  (Hugging Face tokenizer.json)`,
      `  token shards     ${shards}.bin / .idx  (Megatron-LM indexed dataset; ${shards}.stats.json per language)`,
      '',
    ].join('\n'),
  );
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the whole flow on the small multilingual sample that ships with the project')
    .option('-o, --out <dir>', 'output folder', 'runs/demo')
    .option('-w, --workers <n>', 'worker threads (default: one per core)', positiveInt)
    .option('--no-progress', 'no progress bar')
    .action(async (flags: DemoFlags) => runDemo(flags));
}
