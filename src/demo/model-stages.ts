/**
 * The demo's model stages, after the corpus, tokenizer and token shards:
 *   - probes (UDHR passages) injected into the demo corpus at repetition counts 0 (control), 1,
 *     4, 16 and 64;
 *   - the same small Apertus model trained twice on it from the same seed: standard loss and
 *     Goldfish loss (k = 4, the paper's extreme setting);
 *   - both evaluated: verbatim memorization per repetition bucket, perplexity per language;
 *   - a small CoBo simulation with language clients, next to FedAvg and Local;
 *   - the Goldfish model exported to the Hugging Face format.
 * Each stage writes its files under OUT and returns what the report shows.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { coboSettings } from '../experiments/cobo.js';
import { runComparison, type ComparisonResult, type StrategyName } from '../collab/index.js';
import { injectProbes, type InjectSummary } from '../eval/inject.js';
import { evaluateMemorization, type MemorizationReport } from '../eval/memorization.js';
import { evaluatePerplexity, tokenByteLengths, type PerplexityReport } from '../eval/perplexity.js';
import { readProbes, resolveProbes } from '../eval/probes.js';
import { shardDocuments } from '../eval/shard-languages.js';
import { udhrProbeTexts } from '../eval/udhr.js';
import { saveHf, specialTokenStrings } from '../hf/index.js';
import type { Apertus } from '../model/index.js';
import type { Tokenizer } from '../tokenizer/index.js';
import { parseTrainConfig, resolveModelConfig } from '../train/train-config.js';
import { train, type StepMetrics } from '../train/trainer.js';
import { writeFileAtomic } from '../util/fs.js';

/** Sizes of the model stages: `full` is the demo, `quick` a reduced one for tests. */
export interface ModelStageSizes {
  probeLanguages: string[];
  probesPerBucket: number;
  buckets: number[];
  steps: number;
  coboRounds: number;
  memorizationPrefixes: number[];
}

export const DEMO_SIZES: Record<'full' | 'quick', ModelStageSizes> = {
  full: { probeLanguages: ['eng', 'deu_1996', 'fra', 'spa'], probesPerBucket: 8, buckets: [0, 1, 4, 16, 64], steps: 600, coboRounds: 200, memorizationPrefixes: [16, 32] },
  quick: { probeLanguages: ['eng', 'fra'], probesPerBucket: 2, buckets: [0, 4, 16], steps: 40, coboRounds: 4, memorizationPrefixes: [16] },
};

export const GOLDFISH = { k: 4, h: 13 };

/** The training config of one of the two runs (YAML, as a user would write it). */
export function trainYaml(tokens: string, tokenizer: string, steps: number, goldfish: boolean): string {
  return `# The demo's ${goldfish ? 'Goldfish' : 'standard'} run: the same model, data and seed as the other.
model: { hidden_size: 128, intermediate_size: 512, num_layers: 2, num_heads: 4, num_kv_heads: 2, max_positions: 128 }
tokenizer: ${tokenizer}
data:
  context: 128
  batch_size: 8
  validation_fraction: 0.02
  datasets: [{ name: demo-probed, paths: [${tokens}] }]
goldfish: ${goldfish ? `{ strategy: hash, k: ${GOLDFISH.k}, h: ${GOLDFISH.h} }` : '{ enabled: false }'}
schedule: { kind: wsd, lr: 5.0e-3, warmup_steps: 10 }
optimizer: { name: ademamix }
training: { steps: ${steps}, eval_every: ${Math.max(1, Math.round(steps / 6))}, eval_batches: 0, checkpoint_every: ${steps} }
`;
}

export interface ProbesStage {
  summary: InjectSummary;
  tokens: string;
}

export async function probesStage(out: string, shards: string, tokenizer: Tokenizer, sizes: ModelStageSizes): Promise<ProbesStage> {
  const count = sizes.probesPerBucket * sizes.buckets.length;
  const texts = await udhrProbeTexts(sizes.probeLanguages, 50, count);
  const probes = resolveProbes(texts.map((t) => ({ id: t.id, text: t.text, language: t.language })), { tokenizer, buckets: sizes.buckets });
  const tokens = join(out, 'tokens/probed');
  const summary = await injectProbes({ base: [shards], probes, out: tokens, seed: 0, overwrite: true });
  return { summary, tokens };
}

export interface RunStage {
  name: 'standard' | 'goldfish';
  dir: string;
  config: string;
  model: Apertus;
  memorization: MemorizationReport;
  perplexity: PerplexityReport;
}

/** Trains one run, then evaluates its memorization of the probes and its perplexity per language. */
export async function runStage(name: 'standard' | 'goldfish', out: string, probes: ProbesStage, shards: string, tokenizerFile: string,
  tokenizer: Tokenizer, sizes: ModelStageSizes, onStep: (m: StepMetrics, total: number) => void): Promise<RunStage> {
  const dir = join(out, 'runs', name);
  const configFile = join(out, 'configs', `train-${name}.yaml`);
  const yaml = trainYaml(probes.tokens, tokenizerFile, sizes.steps, name === 'goldfish');
  await writeFileAtomic(configFile, yaml);
  const config = parseTrainConfig(yaml, configFile, out);
  await rm(dir, { recursive: true, force: true }); // the demo starts over, like its corpus run
  const result = await train(config, resolveModelConfig(config, tokenizer.vocabSize), dir, { onStep, tokenizer: tokenizerFile });
  const memorization = evaluateMemorization(result.model, await readProbes(probes.summary.manifest), {
    prefixLengths: sizes.memorizationPrefixes, suffixLength: 32, decodings: ['greedy', 'nucleus'],
  });
  await writeFileAtomic(join(dir, 'memorization.json'), `${JSON.stringify({ ...memorization, probes: undefined }, null, 1)}\n`);
  const perplexity = await evaluatePerplexity(result.model, shardDocuments([shards]), { tokenBytes: tokenByteLengths(tokenizer) });
  await writeFileAtomic(join(dir, 'perplexity.json'), `${JSON.stringify(perplexity, null, 1)}\n`);
  return { name, dir, config: configFile, model: result.model, memorization, perplexity };
}

/** The CoBo paper's language-model setting, small: UDHR languages as clients, families as clusters. */
export async function coboStage(out: string, sizes: ModelStageSizes): Promise<ComparisonResult> {
  const config = coboSettings('smoke').languages!;
  config.rounds = sizes.coboRounds;
  config.eval_every = Math.max(1, Math.round(sizes.coboRounds / 8));
  config.w_every = Math.max(1, Math.round(sizes.coboRounds / 8));
  config.strategies = ['local', 'fedavg', 'cobo'] satisfies StrategyName[];
  const result = await runComparison(config);
  await writeFileAtomic(join(out, 'collab', 'results.json'), `${JSON.stringify({ config, summary: result.summary }, null, 1)}\n`);
  return result;
}

/** The Goldfish model as a Hugging Face folder, with the demo's tokenizer. */
export async function exportStage(out: string, model: Apertus, tokenizerFile: string, tokenizer: Tokenizer): Promise<string> {
  const dir = join(out, 'hf', 'goldfish');
  await saveHf(model, dir, { dtype: 'float32', tokenizerJson: tokenizerFile, specialTokens: specialTokenStrings(model.config, tokenizer) });
  return dir;
}
