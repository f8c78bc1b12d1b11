import type { Command } from 'commander';
import { loadPipelineConfig, stepName, type PipelineConfig } from '../corpus/config.js';
import type { CutoffStepOptions } from '../corpus/scores/calibrate.js';
import type { RunSummary } from '../corpus/run.js';
import { STEP_DEFINITIONS } from '../corpus/steps/index.js';
import type { RunStats } from '../corpus/stats.js';
import { UserError } from '../util/errors.js';
import { ThroughputBar } from './progress.js';
import { formatTable } from './table.js';
import { interruptSignal } from './interrupt.js';
import { positiveInt } from './options.js';
import { registerTokenizeCommand } from './tokenize.js';
import { addSlurmRunOptions, registerSlurmCommands, submitSlurmCommand, type SlurmRunFlags } from './data-slurm.js';

export interface DataRunFlags extends SlurmRunFlags {
  executor?: 'local' | 'slurm';
  workers?: number;
  resume?: boolean;
  overwrite?: boolean;
  progress?: boolean;
}

/**
 * Run a pipeline YAML with the local executor, with a progress bar and a summary table.
 * Ctrl-C stops cleanly (the first press lets workers be stopped and temporary files removed;
 * a second one exits at once). Returns the summary; throws UserError when tasks failed.
 */
export async function runPipelineCommand(config: PipelineConfig, flags: DataRunFlags): Promise<RunSummary> {
  const interrupt = interruptSignal();
  let bar: ThroughputBar | undefined;
  const badRecords: string[] = [];
  // Loaded on demand: the readers pull in an HTML parser that other commands do not need.
  const { runPipeline } = await import('../corpus/run.js');
  try {
    const summary = await runPipeline(config, {
      workers: flags.workers,
      resume: flags.resume,
      overwrite: flags.overwrite,
      signal: interrupt.signal,
      onStart: ({ segment, segments, tasks, pending, totalBytes, workers }) => {
        bar?.stop();
        bar = undefined;
        const label = segments > 1 ? `${config.name} [${segment + 1}/${segments}]` : config.name;
        process.stderr.write(`${label}: ${tasks} task(s), ${pending} to run, ${workers} worker(s)\n`);
        if (flags.progress !== false && pending > 0) bar = new ThroughputBar(label, totalBytes, pending);
      },
      onResolve: (step) => {
        bar?.stop();
        process.stderr.write(`${step}: resolving over the whole corpus\n`);
      },
      onResolved: (step, summary, seconds) => {
        const counters = Object.entries(summary).map(([k, n]) => `${k} ${n}`).join(', ');
        process.stderr.write(`${step}: resolved in ${seconds.toFixed(1)} s (${counters})\n`);
      },
      onProgress: (d, b) => bar?.advance(d, b),
      onTaskDone: () => bar?.taskDone(),
      onTaskFailed: (index, message) => (bar ? bar.log(`task ${index} failed: ${message}`) : process.stderr.write(`task ${index} failed: ${message}\n`)),
      onBadRecord: (message) => {
        if (badRecords.length < 10) bar ? bar.log(`skipped: ${message}`) : process.stderr.write(`skipped: ${message}\n`);
        badRecords.push(message);
      },
    });
    bar?.stop();
    process.stdout.write(`${summaryTable(summary.stats)}\n`);
    if (badRecords.length > 10) process.stderr.write(`... ${badRecords.length - 10} more malformed records skipped (see ${summary.root}/logs/)\n`);
    if (summary.interrupted) throw new UserError(`interrupted: ${summary.root} keeps the finished tasks; rerun with --resume`);
    if (summary.failed.length > 0) {
      const lines = summary.failed.map((f) => `  task ${f.index} (${f.file}): ${f.message}`);
      throw new UserError(`${summary.failed.length} task(s) failed:\n${lines.join('\n')}\nfix the cause, then rerun with --resume to redo only those tasks`);
    }
    process.stdout.write(`results: ${summary.root} (documents/, removed/, stats.json, manifest.json) in ${summary.seconds.toFixed(1)} s\n`);
    return summary;
  } finally {
    bar?.stop();
    interrupt.release();
  }
}

/** One row per step: documents in, kept, modified, removed, and the top removal reasons. */
export function summaryTable(stats: RunStats): string {
  const skipped = Object.entries(stats.reader.skipped).map(([reason, n]) => `${reason} ${n}`);
  if (stats.reader.bad_records) skipped.unshift(`malformed ${stats.reader.bad_records}`);
  const records = stats.reader.documents + stats.reader.bad_records + Object.values(stats.reader.skipped).reduce((a, b) => a + b, 0);
  const rows: (string | number)[][] = [['read', records, stats.reader.documents, 0, records - stats.reader.documents, skipped.join(', ')]];
  for (const step of stats.steps) {
    const removed = Object.values(step.removed).reduce((a, b) => a + b, 0);
    const sorted = Object.entries(step.removed).sort((a, b) => b[1] - a[1]);
    const reasons = sorted
      .slice(0, 3)
      .map(([reason, n]) => `${reason} ${n}`)
      .concat(sorted.length > 3 ? [`(+${sorted.length - 3} more in stats.json)`] : [])
      .join(', ');
    const extra = Object.entries(step.extra)
      .map(([key, n]) => `${key} ${n}`)
      .join(', ');
    rows.push([step.name, step.in, step.kept, step.modified, removed, [reasons, extra].filter(Boolean).join('; ')]);
  }
  rows.push(['written', stats.output.documents, stats.output.documents, 0, 0, `${stats.output.chars.toLocaleString('en-US')} characters`]);
  return formatTable(['step', 'in', 'kept', 'modified', 'removed', 'reasons / counters'], rows);
}

interface CalibrateFlags {
  step: string;
  sample: number;
  out?: string;
}

/**
 * Calibrate a cut-off step: the documents are read and passed through the steps before it (so
 * they carry their language label), scored, and the per-language percentile written to a file.
 */
export async function calibrateCommand(config: PipelineConfig, flags: CalibrateFlags): Promise<void> {
  const step = config.steps.find((s) => stepName(s) === flags.step);
  if (!step) throw new UserError(`no step named ${flags.step} in the pipeline (steps: ${config.steps.map(stepName).join(', ')})`);
  if (step.step !== 'toxicity' && step.step !== 'score_filter') throw new UserError(`step ${flags.step} is a ${step.step} step: only toxicity and score_filter steps are calibrated`);
  const { documentsReaching } = await import('../corpus/sample.js');
  const { calibrate } = await import('../corpus/scores/calibrate.js');
  const summary = await calibrate(documentsReaching(config, flags.step, flags.sample), step as CutoffStepOptions, {
    sample: flags.sample,
    ...(flags.out ? { out: flags.out } : {}),
  });
  const rows = summary.languages.map((l) => [
    l.language,
    l.count,
    l.cutoff === undefined ? 'too few documents' : String(l.cutoff),
    l.removed_share === undefined ? '' : `${(100 * l.removed_share).toFixed(1)}%`,
  ]);
  process.stdout.write(`${formatTable(['language', 'documents', 'cut-off', 'removed'], rows)}\n`);
  process.stdout.write(
    `${summary.out}: ${summary.score} cut-offs at percentile ${summary.percentile} (${summary.direction}) from ${summary.sample_size} documents\n`,
  );
}

/** Registers `apertus data ...`; returns the group so other modules can attach subcommands. */
export function registerDataCommands(program: Command): Command {
  const data = program.command('data').description('the compliant corpus pipeline, and token shards for training');
  registerTokenizeCommand(data);
  addSlurmRunOptions(
    data
      .command('run')
      .description('run a pipeline YAML (input, output, ordered steps) with the local executor, or submit it to Slurm (--executor slurm)')
      .argument('<pipeline>', 'pipeline YAML file')
      .option('-w, --workers <n>', 'worker threads (default: config `workers`, else one per core)', positiveInt)
      .option('--resume', 'run only the tasks that have not finished (after a crash, Ctrl-C or failure); implied with --executor slurm')
      .option('--overwrite', 'delete the results of an earlier run in the output folder first')
      .option('--no-progress', 'no progress bar'),
  ).action(async (file: string, flags: DataRunFlags) => {
    const config = await loadPipelineConfig(file);
    if (flags.executor === 'slurm') {
      if (flags.workers) throw new UserError('--workers is for the local executor; with --executor slurm use --tasks (array elements at once) and --cpus-per-task');
      await submitSlurmCommand(config, flags);
      return;
    }
    const slurmOnly = (['tasks', 'partition', 'time', 'cpusPerTask', 'memPerCpu', 'dryRun'] as const).filter((key) => flags[key] !== undefined);
    if (slurmOnly.length > 0) {
      const names = slurmOnly.map((key) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
      throw new UserError(`${names.join(', ')}: only with --executor slurm`);
    }
    await runPipelineCommand(config, flags);
  });
  data
    .command('calibrate')
    .description('score a sample as it reaches a toxicity or score_filter step and write its per-language cut-offs')
    .argument('<pipeline>', 'pipeline YAML file')
    .requiredOption('--step <name>', 'the step to calibrate (its name, or its kind when unnamed)')
    .option('--sample <n>', 'documents to score', positiveInt, 100_000)
    .option('--out <file>', "where to write the cut-offs (default: the step's `cutoffs` path)")
    .action(async (file: string, flags: CalibrateFlags) => {
      await calibrateCommand(await loadPipelineConfig(file), flags);
    });
  registerSlurmCommands(data, summaryTable);
  data
    .command('steps')
    .description('list the step kinds a pipeline can use, with their options')
    .action(() => {
      for (const definition of STEP_DEFINITIONS) {
        process.stdout.write(`${definition.kind}: ${definition.summary}\n    options: ${Object.keys(definition.options).join(', ')}\n`);
      }
    });
  data
    .command('validate')
    .description('check a pipeline YAML against the schema without running it')
    .argument('<pipeline>', 'pipeline YAML file')
    .action(async (file: string) => {
      const config = await loadPipelineConfig(file);
      process.stdout.write(`${file}: valid (${config.steps.length} steps: ${config.steps.map((s) => s.name ?? s.step).join(' -> ')})\n`);
    });
  return data;
}
