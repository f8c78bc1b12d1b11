import type { Command } from 'commander';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPipelineConfig, stepName } from '../corpus/config.js';
import { DEMO_SIZES, exportStage, coboStage, probesStage, runStage, type RunStage } from '../demo/model-stages.js';
import { collabSection, dataSection, memorizationSection, trainingSection } from '../demo/report-sections.js';
import { writeReport } from '../report/html.js';
import { loadTokenizer } from '../tokenizer/index.js';
import { DEFAULT_PATTERN } from '../tokenizer/types.js';
import { PACKAGE } from '../version.js';
import { calibrateCommand, runPipelineCommand } from './data.js';
import { positiveInt } from './options.js';
import { CountBar } from './progress.js';
import { tokenizeCommand } from './tokenize.js';
import { trainCommand } from './tokenizer-train.js';

/** The sample that ships with the project (examples/demo, three folders above dist/src/cli). */
export const DEMO_DIR = fileURLToPath(new URL('../../../examples/demo/', import.meta.url));

export interface DemoFlags {
  out: string;
  workers?: number;
  progress?: boolean;
  /** a reduced run (fewer training steps, probes and rounds), for tests */
  quick?: boolean;
}

const say = (text: string) => process.stdout.write(`${text}\n`);

/**
 * The whole flow on the shipped sample: the compliant corpus pipeline over a small multilingual
 * web crawl (URL blocklist, retroactive robots.txt opt-out, language identification, quality
 * filters, toxicity at calibrated per-language cut-offs, deduplication, PII redaction), a BPE
 * tokenizer and token shards; probes injected and two models trained on them (standard and
 * Goldfish loss) and evaluated; a CoBo simulation with language clients; an export to the Hugging
 * Face format; and one HTML report of it all.
 */
export async function runDemo(flags: DemoFlags): Promise<string> {
  const out = resolve(flags.out);
  const sizes = DEMO_SIZES[flags.quick ? 'quick' : 'full'];
  const started = performance.now();
  const config = await loadPipelineConfig(resolve(DEMO_DIR, 'pipeline.yaml'));
  config.output.path = resolve(out, 'corpus');
  const toxicity = config.steps.find((s) => s.step === 'toxicity');
  if (toxicity) toxicity.cutoffs = resolve(out, 'toxicity-cutoffs.json');
  say(`apertus demo${flags.quick ? ' (quick)' : ''}: the whole flow on the sample crawl in ${DEMO_DIR}\n`);
  if (toxicity) {
    say('1. toxicity cut-offs per language, calibrated on the sample:');
    await calibrateCommand(config, { step: stepName(toxicity), sample: 100_000 });
  }
  say('\n2. the compliance pipeline:');
  await runPipelineCommand(config, { overwrite: true, workers: flags.workers, progress: flags.progress });

  const documents = resolve(out, 'corpus/documents');
  const tokenizerFile = resolve(out, 'tokenizer.json');
  const shards = resolve(out, 'tokens/corpus');
  say('\n3. a byte-level BPE tokenizer trained on the clean corpus, and the corpus as token shards:');
  await trainCommand({ input: [documents], vocabSize: 2048, out: tokenizerFile, minFrequency: 2, pattern: DEFAULT_PATTERN, textField: 'text', progress: flags.progress });
  await tokenizeCommand({ input: [documents], tokenizer: tokenizerFile, out: shards, workers: flags.workers, overwrite: true, eos: true, progress: flags.progress });
  const tokenizer = await loadTokenizer(tokenizerFile);

  say('\n4. UDHR probe passages injected at repetition counts ' + sizes.buckets.join(', ') + ' (0: the unexposed control):');
  const probes = await probesStage(out, shards, tokenizer, sizes);
  say(`   ${probes.summary.tokens.toLocaleString('en-US')} tokens, manifest ${probes.summary.manifest}`);
  const runs: RunStage[] = [];
  for (const name of ['standard', 'goldfish'] as const) {
    say(`\n5${name === 'standard' ? 'a' : 'b'}. the ${name} run: train ${sizes.steps} steps, then memorization and perplexity per language:`);
    const bar = flags.progress === false ? undefined : new CountBar(`train ${name}`, sizes.steps);
    runs.push(await runStage(name, out, probes, shards, tokenizerFile, tokenizer, sizes,
      (m) => bar?.update(m.step, `loss ${m.loss.toFixed(3)} | ${Math.round(m.tokens_per_s)} tok/s`)));
    bar?.stop();
    const run = runs.at(-1)!;
    const prefix = Math.max(...sizes.memorizationPrefixes);
    const exact = run.memorization.buckets.filter((b) => b.prefix === prefix && b.decoding === 'greedy')
      .map((b) => `${b.bucket}: ${(b.exact_match * 100).toFixed(0)}%`).join(', ');
    say(`   verbatim by copies (greedy, prefix ${prefix}) ${exact}; perplexity ${run.perplexity.perplexity.toFixed(1)}`);
  }

  say('\n6. CoBo with language clients, next to FedAvg and Local:');
  const collab = await coboStage(out, sizes);
  for (const [name, s] of Object.entries(collab.summary.strategies)) say(`   ${name}: mean ${collab.summary.metric} ${s!.mean.toFixed(2)}`);

  say('\n7. the Goldfish model exported to the Hugging Face format:');
  const hf = await exportStage(out, runs[1]!.model, tokenizerFile, tokenizer);
  say(`   ${hf}`);

  const report = resolve(out, 'report.html');
  const o = flags.out;
  await writeReport(report, {
    title: 'apertus-ts demo',
    subtitle: `${PACKAGE.name} ${PACKAGE.version}: a compliant corpus, a tokenizer, two models (standard and Goldfish loss), ` +
      `their memorization, CoBo, and a Hugging Face export; ${((performance.now() - started) / 1000).toFixed(0)} s on this machine`,
    sections: [
      await dataSection(resolve(out, 'corpus'), [
        `apertus data calibrate examples/demo/pipeline.yaml --step toxicity`,
        `apertus data run examples/demo/pipeline.yaml`,
        `apertus tokenizer train --input ${o}/corpus/documents --vocab-size 2048 --out ${o}/tokenizer.json`,
        `apertus data tokenize --input ${o}/corpus/documents --tokenizer ${o}/tokenizer.json --out ${o}/tokens/corpus`,
        '', '# the pipeline config (examples/demo/pipeline.yaml) lists every step and threshold',
      ].join('\n')),
      await trainingSection(Object.fromEntries(runs.map((r) => [r.name, r.dir])),
        runs.map((r) => `apertus train ${r.config} --out ${r.dir}`).join('\n'),
        `Both runs: the same ${runs[0]!.model.config.numLayers}-layer Apertus model (d ${runs[0]!.model.config.hiddenSize}, ` +
        `xIELU MLP, QK-norm, GQA, RoPE), AdEMAMix under a WSD schedule, ${sizes.steps} steps of 8 x 128 tokens on the probed corpus; ` +
        'the Goldfish run drops about a quarter of the targets from the loss (k = 4). Validation losses are on held-out documents of the same data.'),
      memorizationSection(runs, probes.summary, [
        `apertus eval make-probes --languages ${sizes.probeLanguages.join(',')} --count ${sizes.probesPerBucket * sizes.buckets.length} --out probes.jsonl`,
        `apertus data inject-probes --data ${o}/tokens/corpus --probes probes.jsonl --tokenizer ${o}/tokenizer.json --buckets ${sizes.buckets.join(',')} --out ${o}/tokens/probed`,
        ...runs.map((r) => `apertus eval memorization --model ${r.dir} --probes ${o}/tokens/probed.probes.jsonl --prefix ${sizes.memorizationPrefixes.join(',')} --suffix 32`),
        ...runs.map((r) => `apertus eval ppl --model ${r.dir} --data ${o}/tokens/corpus`),
      ].join('\n')),
      collabSection(collab, `apertus experiment cobo --preset smoke --out runs/cobo --settings languages   # all strategies, more rounds\n` +
        `# the demo's run: ${resolve(out, 'collab/results.json')} holds its config`),
      { id: 'export', title: 'Hugging Face export', blocks: [
        { kind: 'text', text: `The Goldfish model as a Hugging Face folder (${hf}): model.safetensors, config.json (ApertusForCausalLM), ` +
          'generation_config.json and the tokenizer. transformers loads it with the same logits as ours.' },
        { kind: 'code', text: `apertus export hf --checkpoint ${runs[1]!.dir} --out ${o}/hf/goldfish\n\n` +
          `from transformers import AutoModelForCausalLM, AutoTokenizer\nmodel = AutoModelForCausalLM.from_pretrained("${hf}")\n` +
          `tokenizer = AutoTokenizer.from_pretrained("${hf}")`, caption: 'Reproduce, and load it' },
      ] },
    ],
  });
  say(`\ndemo done in ${((performance.now() - started) / 1000).toFixed(0)} s. The report: ${report}`);
  return report;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the whole flow on the small multilingual sample that ships with the project, ending in an HTML report')
    .option('-o, --out <dir>', 'output folder', 'runs/demo')
    .option('-w, --workers <n>', 'worker threads (default: one per core)', positiveInt)
    .option('--quick', 'a reduced run (fewer steps, probes and rounds), about a minute')
    .option('--no-progress', 'no progress bar')
    .action(async (flags: DemoFlags) => {
      await runDemo(flags);
    });
}
