/**
 * `apertus train CONFIG`, `apertus generate --model DIR`, `apertus export hf --checkpoint DIR`:
 * the model commands. Training shows a progress bar (loss, lr, tokens/s), checkpoints on Ctrl-C
 * and resumes with --resume; generation and export take a run folder (its latest checkpoint), a
 * checkpoint folder or a Hugging Face model folder.
 */
import { Option, type Command } from 'commander';
import { join, resolve } from 'node:path';
import { saveHf, specialTokenStrings } from '../hf/index.js';
import { formatBytes, generate, parameterCount, trainingMemory } from '../model/index.js';
import { loadTokenizer } from '../tokenizer/index.js';
import { loadTrainConfig, resolveModelConfig } from '../train/train-config.js';
import { train } from '../train/trainer.js';
import { UserError } from '../util/errors.js';
import { interruptSignal } from './interrupt.js';
import { loadModelAndTokenizer } from './models.js';
import { positiveInt } from './options.js';
import { CountBar } from './progress.js';

interface TrainFlags {
  out: string;
  resume?: boolean;
  steps?: number;
  progress?: boolean;
}

async function trainCommand(configFile: string, flags: TrainFlags): Promise<void> {
  const config = await loadTrainConfig(configFile);
  if (flags.steps !== undefined) config.training.steps = flags.steps;
  const tokenizer = config.tokenizer ? await loadTokenizer(config.tokenizer) : undefined;
  const modelConfig = resolveModelConfig(config, tokenizer?.vocabSize);
  if (tokenizer && tokenizer.vocabSize > modelConfig.vocabSize) {
    throw new UserError(`${configFile}: model.vocab_size ${modelConfig.vocabSize} is smaller than the tokenizer's ${tokenizer.vocabSize} tokens`);
  }
  const memory = trainingMemory(modelConfig, {
    batchSize: config.data.batch_size / config.training.gradient_accumulation, seqLen: config.data.context,
    optimizer: config.optimizer.name,
  });
  process.stderr.write(`model: ${(parameterCount(modelConfig) / 1e6).toFixed(2)}M parameters, ${modelConfig.numLayers} layers, ` +
    `d ${modelConfig.hiddenSize}, ${modelConfig.numHeads}/${modelConfig.numKvHeads} heads, vocab ${modelConfig.vocabSize}; ` +
    `about ${formatBytes(memory.total)} to train\n`);
  const bar = flags.progress === false ? undefined : new CountBar('train', config.training.steps);
  const log = (line: string) => (bar ? bar.log(line) : process.stderr.write(`${line}\n`));
  const { signal, release } = interruptSignal();
  try {
    const result = await train(config, modelConfig, flags.out, {
      resume: flags.resume, signal, tokenizer: config.tokenizer,
      onStep: (m) => bar?.update(m.step, `loss ${m.loss.toFixed(4)} | lr ${m.lr.toExponential(2)} | ` +
        `${Math.round(m.tokens_per_s)} tok/s${m.skipped ? ' | skipped (NaN/Inf)' : ''}`),
      onEval: (e) => log(`step ${e.step}: validation loss ${e.val_loss.toFixed(4)} (perplexity ${e.val_ppl.toFixed(2)})`),
    });
    bar?.stop();
    const verb = result.interrupted ? 'stopped' : 'trained';
    process.stdout.write(`${verb} ${result.steps}/${config.training.steps} steps (${result.tokens.toLocaleString('en-US')} tokens` +
      `${result.skippedSteps ? `, ${result.skippedSteps} skipped` : ''}); final loss ${result.finalLoss.toFixed(4)}` +
      `${result.valLoss !== undefined ? `, validation ${result.valLoss.toFixed(4)}` : ''}\ncheckpoint: ${result.checkpoint}\n`);
    if (result.interrupted) process.stdout.write(`resume with: apertus train ${configFile} --out ${flags.out} --resume\n`);
  } finally {
    bar?.stop();
    release();
  }
}

interface GenerateFlags {
  model: string;
  prompt?: string;
  promptIds?: string;
  tokenizer?: string;
  maxNewTokens: number;
  temperature: number;
  topP: number;
  greedy?: boolean;
  seed: number;
  format: 'text' | 'ids';
}

function parseIds(text: string, vocab: number): number[] {
  const ids = text.split(/[\s,]+/).filter(Boolean).map(Number);
  const bad = ids.find((id) => !Number.isInteger(id) || id < 0 || id >= vocab);
  if (bad !== undefined) throw new UserError(`--prompt-ids: ${bad} is not a token id of this model (0..${vocab - 1})`);
  if (ids.length === 0) throw new UserError('--prompt-ids: no ids given');
  return ids;
}

async function generateCommand(flags: GenerateFlags): Promise<void> {
  if ((flags.prompt === undefined) === (flags.promptIds === undefined)) throw new UserError('give exactly one of --prompt and --prompt-ids');
  const needed = flags.prompt !== undefined || flags.format === 'text';
  const { model, tokenizer } = await loadModelAndTokenizer(flags, needed, 'pass --tokenizer FILE, or --prompt-ids with --format ids');
  const prompt = flags.promptIds !== undefined
    ? parseIds(flags.promptIds, model.config.vocabSize)
    : [model.config.bosId, ...tokenizer!.encode(flags.prompt!)];
  const ids = generate(model, prompt, {
    maxNewTokens: flags.maxNewTokens, greedy: flags.greedy, temperature: flags.temperature, topP: flags.topP, seed: flags.seed,
  });
  if (flags.format === 'ids') process.stdout.write(`${Array.from(ids).join(' ')}\n`);
  else process.stdout.write(`${flags.prompt ?? ''}${tokenizer!.decode(ids, { skipSpecial: true })}\n`);
}

interface ExportFlags {
  checkpoint: string;
  out: string;
  dtype: 'float32' | 'bfloat16';
  tokenizer?: string;
}

async function exportCommand(flags: ExportFlags): Promise<void> {
  const { model, tokenizer, folder } = await loadModelAndTokenizer({ model: flags.checkpoint, tokenizer: flags.tokenizer }, false);
  if (!tokenizer) process.stderr.write('warning: no tokenizer.json in the checkpoint and no --tokenizer: the export has weights and config only\n');
  const files = await saveHf(model, flags.out, {
    dtype: flags.dtype,
    ...(tokenizer ? { tokenizerJson: flags.tokenizer ?? join(folder, 'tokenizer.json'), specialTokens: specialTokenStrings(model.config, tokenizer) } : {}),
  });
  process.stdout.write(`${resolve(flags.out)}: ${files.length} files (${flags.dtype}); load it with\n` +
    `  AutoModelForCausalLM.from_pretrained("${resolve(flags.out)}")\n`);
}

export function registerModelCommands(program: Command): void {
  program
    .command('train')
    .description('train an Apertus model on token shards with the Goldfish loss (checkpoints, exact resume)')
    .argument('<config>', 'training config (YAML): model, tokenizer, data, goldfish, schedule, optimizer, training')
    .requiredOption('--out <dir>', 'run folder: metrics.jsonl, checkpoints/')
    .option('--resume', 'continue from the run folder\'s latest checkpoint')
    .option('--steps <n>', 'override training.steps', positiveInt)
    .option('--no-progress', 'no progress bar')
    .action((config: string, flags: TrainFlags) => trainCommand(config, flags));

  program
    .command('generate')
    .description('continue a prompt with a trained model (KV cache); greedy or nucleus sampling')
    .requiredOption('--model <dir>', 'a run folder (its latest checkpoint), a checkpoint folder or a Hugging Face model folder')
    .option('--prompt <text>', 'prompt text (encoded with the model\'s tokenizer, after BOS)')
    .option('--prompt-ids <ids>', 'prompt token ids, e.g. 1,5,17 (used as given: no BOS added)')
    .option('--tokenizer <file>', 'tokenizer.json (default: the one in the model folder)')
    .option('--max-new-tokens <n>', 'tokens to generate', positiveInt, 32)
    .option('--temperature <t>', 'sampling temperature', Number, 1)
    .option('--top-p <p>', 'nucleus sampling: smallest set of tokens with this much probability', Number, 1)
    .option('--greedy', 'always the most likely token')
    .option('--seed <n>', 'sampling seed', Number, 0)
    .addOption(new Option('--format <format>', 'print the text or the new token ids').choices(['text', 'ids']).default('text'))
    .action((flags: GenerateFlags) => generateCommand(flags));

  const exportGroup = program.command('export').description('write models in other formats');
  exportGroup
    .command('hf')
    .description('a Hugging Face model folder (ApertusForCausalLM): model.safetensors, config.json, tokenizer')
    .requiredOption('--checkpoint <dir>', 'a run folder (its latest checkpoint) or a checkpoint folder')
    .requiredOption('--out <dir>', 'the model folder to write')
    .addOption(new Option('--dtype <dtype>', 'weight dtype').choices(['float32', 'bfloat16']).default('float32'))
    .option('--tokenizer <file>', 'tokenizer.json (default: the checkpoint\'s)')
    .action((flags: ExportFlags) => exportCommand(flags));
}
