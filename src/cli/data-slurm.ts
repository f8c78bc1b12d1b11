/**
 * `apertus data run --executor slurm`, `apertus data status` and the internal `data run-task`
 * that the Slurm jobs run.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { PipelineConfig } from '../corpus/config.js';
import type { SlurmOptions, SlurmSubmission } from '../corpus/executors/slurm.js';
import type { RunStatus } from '../corpus/status.js';
import { UserError } from '../util/errors.js';
import { positiveInt } from './options.js';
import { formatTable } from './table.js';

/** The command-line flags are the executor's options, under the same names. */
export type SlurmRunFlags = SlurmOptions;

/** The `data run` options of the Slurm executor. */
export function addSlurmRunOptions(command: Command): Command {
  return command
    .addOption(new Option('--executor <name>', 'where tasks run: local (worker threads on this machine) or slurm (job arrays)').choices(['local', 'slurm']).default('local'))
    .option('--tasks <n>', 'slurm: at most n array elements of a stage run at once (one task per input file, as locally)', positiveInt)
    .option('--partition <p>', 'slurm: partition to submit to (sbatch --partition)')
    .option('--time <t>', 'slurm: time limit of each job, e.g. 2:00:00 (sbatch --time)')
    .option('--cpus-per-task <c>', 'slurm: CPUs of each job (sbatch --cpus-per-task)', positiveInt)
    .option('--mem-per-cpu <m>', 'slurm: memory per CPU, e.g. 4G (sbatch --mem-per-cpu)')
    .option('--dry-run', 'slurm: print the sbatch scripts instead of submitting them');
}

/** Submit a pipeline as Slurm jobs (or print their scripts) and say how to follow it. */
export async function submitSlurmCommand(config: PipelineConfig, flags: SlurmRunFlags): Promise<SlurmSubmission> {
  const { submitSlurm } = await import('../corpus/executors/slurm.js');
  const options: SlurmOptions = {
    ...(flags.tasks ? { tasks: flags.tasks } : {}),
    ...(flags.partition ? { partition: flags.partition } : {}),
    ...(flags.time ? { time: flags.time } : {}),
    ...(flags.cpusPerTask ? { cpusPerTask: flags.cpusPerTask } : {}),
    ...(flags.memPerCpu ? { memPerCpu: flags.memPerCpu } : {}),
    ...(flags.dryRun ? { dryRun: true } : {}),
    ...(flags.overwrite ? { overwrite: true } : {}),
  };
  const submission = await submitSlurm(config, options);
  const { root, jobs } = submission;
  if (flags.dryRun) {
    let previous: string | undefined;
    for (const job of jobs) {
      const dependency = previous ? ` --dependency=afterok:<job id of ${previous}> --kill-on-invalid-dep=yes` : '';
      process.stdout.write(`# ---- ${root}/slurm/${job.script}: submitted as  sbatch --parsable${dependency} ${job.script}\n${job.text}\n`);
      previous = job.script;
    }
    if (jobs.length === 0) process.stdout.write(`# ${root}: the run is complete, nothing to submit\n`);
    return submission;
  }
  if (jobs.length === 0) {
    process.stdout.write(`${root}: the run is complete (manifest.json written); nothing to submit\n`);
    return submission;
  }
  for (const job of jobs) {
    const what =
      job.kind === 'stage'
        ? `stage ${job.stage}/${submission.stages}: ${job.array!.length} of ${submission.tasks} task(s)`
        : job.kind === 'resolve'
          ? `resolve after stage ${job.stage}`
          : 'merge stats.json, write manifest.json';
    process.stdout.write(`submitted job ${job.id} (${job.name}): ${what}\n`);
  }
  process.stdout.write(`follow it with: apertus data status ${root}\nlogs: ${root}/slurm/logs/; resubmit the same command to rerun only unfinished tasks\n`);
  return submission;
}

/** `data status RUN_DIR`: tables of stages and (Slurm) jobs, failures, and the counters so far. */
export function formatStatus(status: RunStatus, summaryTable: (stats: RunStatus['stats']) => string): string {
  const lines: string[] = [];
  const state = status.complete ? 'complete' : 'not complete';
  lines.push(`${status.root}: pipeline ${status.pipeline}, ${status.tasks} task(s), ${status.executor} executor, started ${status.started_at}, ${state}`);
  const rows = status.stages.map((s) => [
    `${s.stage}/${status.stages.length}`,
    (s.steps.join(', ') || 'read') + (s.collects ? ` -> ${s.collects.step} (${s.collects.resolved ? 'resolved' : 'not resolved'})` : ''),
    s.counts.done,
    s.counts.running,
    s.counts.failed,
    s.counts.pending,
  ]);
  lines.push(formatTable(['stage', 'steps', 'done', 'running', 'failed', 'pending'], rows));
  for (const stage of status.stages) {
    for (const f of stage.failures) lines.push(`stage ${stage.stage} task ${f.index} (${f.file}) failed: ${f.message}${f.log ? `\n    log: ${f.log}` : ''}`);
  }
  if (status.jobs) {
    if (status.queue === false) lines.push('squeue is not available here: running tasks cannot be told from dead ones');
    lines.push(formatTable(['job', 'name', 'state'], status.jobs.map((j) => [j.id, j.name, j.reason ? `${j.state} (${j.reason})` : j.state])));
  }
  lines.push('counters so far:');
  lines.push(summaryTable(status.stats));
  return lines.join('\n');
}

function taskNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a task number >= 0, got ${value}`);
  return n;
}

interface RunTaskFlags {
  run?: string;
  stage?: number;
  task?: number;
  resolve?: number;
  finish?: boolean;
  workers?: number;
}

/** `data status` and the internal `data run-task`. */
export function registerSlurmCommands(data: Command, summaryTable: (stats: RunStatus['stats']) => string): void {
  data
    .command('status')
    .description('show where a run stands: per stage, tasks done, running, failed and pending, and the counters so far (local and Slurm runs)')
    .argument('<run-dir>', 'the output folder of the run')
    .option('--json', 'print the status as JSON')
    .action(async (dir: string, flags: { json?: boolean }) => {
      const { runStatus } = await import('../corpus/status.js');
      const status = await runStatus(resolve(dir));
      process.stdout.write(flags.json ? `${JSON.stringify(status, null, 1)}\n` : `${formatStatus(status, summaryTable)}\n`);
    });
  data
    .command('run-task', { hidden: true })
    .description('internal, run by the Slurm executor\'s jobs: one task of one stage, a resolve, or the final merge of a run folder')
    .argument('<run-dir>', 'the output folder of the run (run.json holds config and inputs)')
    .option('--run <id>', 'the run identity the job was submitted for (a prefix); refuse when the folder holds another run')
    .option('--stage <s>', 'with --task: the stage (1-based)', positiveInt)
    .option('--task <i>', 'with --stage: the task (0-based, the array index)', taskNumber)
    .option('--resolve <s>', 'resolve the global step that closes stage s (1-based)', positiveInt)
    .option('--finish', 'merge the counters into stats.json and write manifest.json')
    .option('--workers <n>', 'with --finish: the concurrency recorded in manifest.json', positiveInt, 1)
    .action(async (dir: string, flags: RunTaskFlags) => {
      const job = await import('../corpus/executors/job.js');
      const root = resolve(dir);
      if (flags.stage !== undefined && flags.task !== undefined) {
        const outcome = await job.runStoredTask(root, flags.stage, flags.task, flags.run);
        process.stdout.write(`${outcome.message}\n`);
      } else if (flags.resolve !== undefined) {
        const outcome = await job.resolveStoredStage(root, flags.resolve, flags.run);
        process.stdout.write(`${outcome.message}\n`);
      } else if (flags.finish) {
        const { stats } = await job.finishStoredRun(root, flags.workers ?? 1, flags.run);
        process.stdout.write(`${summaryTable(stats)}\nresults: ${root} (documents/, removed/, stats.json, manifest.json)\n`);
      } else {
        throw new UserError('data run-task: give --stage and --task, --resolve, or --finish');
      }
    });
}
