/**
 * The Slurm executor: the same tasks as the local executor, as Slurm jobs that share nothing but
 * the file system. Per stage of the pipeline (a segment, see plan.ts) one job array, element i
 * running task i; after a stage that collects for a global step, one job resolving it; at the
 * end one job merging the counters into stats.json and writing manifest.json. Each job depends
 * on the one before (`afterok`, and `--kill-on-invalid-dep=yes` so that a failed job cancels
 * the rest instead of leaving them pending forever). Submitting again submits only what has no
 * completion marker: the unfinished tasks, as an index list (`--array=0,3,5`).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../util/errors.js';
import { exists, writeFileAtomic } from '../../util/fs.js';
import { PACKAGE } from '../../version.js';
import { stepName, type PipelineConfig } from '../config.js';
import { segmentStepNames, type Segment } from '../plan.js';
import { listRunInputs, pendingTasks, planRun, type RunPlan } from '../run.js';
import { prepareFolder, runIdentity, takeLock } from '../run-folder.js';
import { compactIndices, querySlurmQueue, slurmCommand } from './slurm-queue.js';

export interface SlurmOptions {
  /** At most this many array elements of a stage run at once (`--array=...%N`). */
  tasks?: number;
  partition?: string;
  time?: string;
  cpusPerTask?: number;
  memPerCpu?: string;
  /** Print the scripts instead of writing and submitting them. */
  dryRun?: boolean;
  /** Delete an earlier run's results first. Without it an earlier run of the same config is resumed. */
  overwrite?: boolean;
}

export interface SlurmJob {
  kind: 'stage' | 'resolve' | 'finish';
  /** 1-based stage (for a resolve job: the stage whose global step it resolves). */
  stage?: number;
  name: string;
  /** The script's file under slurm/. */
  script: string;
  text: string;
  /** Array indices (task numbers) of a stage job. */
  array?: number[];
  /** The job id, once submitted. */
  id?: string;
}

export interface SlurmSubmission {
  root: string;
  tasks: number;
  stages: number;
  /** Jobs in submission order; each depends on the one before. Empty when the run is complete. */
  jobs: SlurmJob[];
}

/** slurm/jobs.json: the jobs of the latest submission. */
export interface SlurmJobsRecord {
  submitted_at: string;
  identity: string;
  jobs: { id: string; name: string; kind: SlurmJob['kind']; stage?: number; array?: string }[];
}

const APERTUS_BIN = fileURLToPath(new URL('../../../../bin/apertus.js', import.meta.url));

export function slurmFolder(root: string): string {
  return join(root, 'slurm');
}

export function slurmLogs(root: string): string {
  return join(slurmFolder(root), 'logs');
}

/** The log of one array element, given its `<array job>_<index>`. */
export function stageLogPath(root: string, stage: number, slurmJob: string): string {
  return join(slurmLogs(root), `stage-${stage}-${slurmJob}.log`);
}

/** Single-quote a word for bash. */
function quote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

function jobName(config: PipelineConfig, suffix: string): string {
  return `apertus-${config.name.replace(/[^\w.-]+/g, '_')}-${suffix}`;
}

/** `#SBATCH` lines shared by every job of a run. */
function resourceLines(options: SlurmOptions): string[] {
  const lines: string[] = [];
  if (options.partition) lines.push(`#SBATCH --partition=${options.partition}`);
  if (options.time) lines.push(`#SBATCH --time=${options.time}`);
  if (options.cpusPerTask) lines.push(`#SBATCH --cpus-per-task=${options.cpusPerTask}`);
  if (options.memPerCpu) lines.push(`#SBATCH --mem-per-cpu=${options.memPerCpu}`);
  return lines;
}

/** A job script: `#SBATCH` lines, comments, and the one command it runs (`raw` is left unquoted). */
function script(header: string[], comment: string[], args: string[], raw = ''): string {
  const command = [process.execPath, APERTUS_BIN, 'data', 'run-task', ...args].map(quote).join(' ') + raw;
  return ['#!/bin/bash', ...header, ...comment.map((c) => `# ${c}`), 'set -eu', `exec ${command}`, ''].join('\n');
}

function describe(segment: Segment): string {
  const names = segmentStepNames(segment).map((s) => s.name);
  const closing = segment.closing ? [`collect for ${stepName(segment.closing)}`] : ['write the output'];
  return [...names, ...closing].join(' -> ');
}

/**
 * The jobs a run still needs, from its completion markers (`fresh`: as if there were none, for
 * a dry run of a folder that submission would clear); the scripts, not yet written.
 */
export async function planSlurmJobs(plan: RunPlan, identity: string, options: SlurmOptions, fresh = false): Promise<SlurmJob[]> {
  const { config, layout, segments } = plan;
  const root = layout.root;
  if (/[\s%]/.test(root)) throw new UserError(`${root}: the Slurm executor needs an output path without spaces or % (Slurm reads % in log paths as a pattern)`);
  const run = ['--run', identity.slice(0, 12)];
  const logs = slurmLogs(root);
  const resources = resourceLines(options);
  const about = `${PACKAGE.name} ${PACKAGE.version}: pipeline ${config.name}, run folder ${root}`;
  const jobs: SlurmJob[] = [];
  for (const segment of segments) {
    const stage = segment.index + 1;
    const pending = (fresh ? plan.tasks : await pendingTasks(plan, segment)).map((t) => t.index);
    if (pending.length > 0) {
      const throttle = options.tasks ? `%${options.tasks}` : '';
      const name = jobName(config, `stage${stage}`);
      const header = [`#SBATCH --job-name=${name}`, `#SBATCH --array=${compactIndices(pending)}${throttle}`, `#SBATCH --output=${logs}/stage-${stage}-%A_%a.log`, '#SBATCH --ntasks=1', ...resources];
      const comment = [about, `stage ${stage}/${segments.length}: ${describe(segment)}`, `${pending.length} of ${plan.tasks.length} task(s); array element i runs task i (input file i)`];
      const text = script(header, comment, [root, ...run, '--stage', String(stage)], ' --task "$SLURM_ARRAY_TASK_ID"');
      jobs.push({ kind: 'stage', stage, name, script: `stage-${stage}.sh`, text, array: pending });
    }
    if (segment.closing && (fresh || !(await exists(layout.resolved(stepName(segment.closing)))))) {
      const name = jobName(config, `resolve${stage}`);
      const header = [`#SBATCH --job-name=${name}`, `#SBATCH --output=${logs}/resolve-${stage}-%j.log`, '#SBATCH --ntasks=1', ...resources];
      const comment = [about, `resolve ${stepName(segment.closing)} over all tasks of stage ${stage}`];
      jobs.push({ kind: 'resolve', stage, name, script: `resolve-${stage}.sh`, text: script(header, comment, [root, ...run, '--resolve', String(stage)]) });
    }
  }
  if (jobs.length > 0 || fresh || !(await exists(layout.manifest))) {
    const workers = Math.min(options.tasks ?? plan.tasks.length, plan.tasks.length);
    const name = jobName(config, 'finish');
    const header = [`#SBATCH --job-name=${name}`, `#SBATCH --output=${logs}/finish-%j.log`, '#SBATCH --ntasks=1', ...resources];
    const comment = [about, 'merge the counters into stats.json and write manifest.json'];
    jobs.push({ kind: 'finish', name, script: 'finish.sh', text: script(header, comment, [root, ...run, '--finish', '--workers', String(workers)]) });
  }
  return jobs;
}

/** The sbatch arguments of a job that waits for `previous`. */
export function dependencyArgs(previous: string | undefined): string[] {
  return previous ? [`--dependency=afterok:${previous}`, '--kill-on-invalid-dep=yes'] : [];
}

/** Refuse to submit while jobs of an earlier submission of this run are still queued or running. */
async function checkEarlierJobs(root: string): Promise<void> {
  const file = join(slurmFolder(root), 'jobs.json');
  if (!(await exists(file))) return;
  const record = JSON.parse(await readFile(file, 'utf8')) as SlurmJobsRecord;
  const queue = await querySlurmQueue();
  if (!queue) return;
  const ids = new Set(record.jobs.map((j) => j.id));
  const live = [...new Set([...queue.values()].filter((j) => ids.has(j.job)).map((j) => j.job))];
  if (live.length > 0) {
    throw new UserError(
      `${root}: job(s) ${live.join(', ')} of an earlier submission are still queued or running: ` +
        `wait for them (apertus data status ${root}) or cancel them (scancel ${live.join(' ')}), then submit again`,
    );
  }
}

/**
 * Submit a pipeline to Slurm (or, with dryRun, only plan it). Returns the jobs, with their ids
 * once submitted. An earlier run of the same config and inputs in the output folder is resumed:
 * only tasks without a completion marker are submitted.
 */
export async function submitSlurm(config: PipelineConfig, options: SlurmOptions = {}): Promise<SlurmSubmission> {
  const plan = planRun(config, await listRunInputs(config));
  const { layout } = plan;
  const root = layout.root;
  const identity = runIdentity(config, plan.files);
  const submission = (jobs: SlurmJob[]): SlurmSubmission => ({ root, tasks: plan.tasks.length, stages: plan.segments.length, jobs });
  if (options.dryRun) {
    // Nothing is written; a folder holding another run is refused, or planned as cleared (--overwrite).
    const runFile = join(root, 'run.json');
    const fresh = options.overwrite === true || !(await exists(runFile));
    if (!fresh && (JSON.parse(await readFile(runFile, 'utf8')) as { identity: string }).identity !== identity) {
      throw new UserError(`${root} holds a run of another config or input set: submitting would refuse it (use --overwrite)`);
    }
    return submission(await planSlurmJobs(plan, identity, options, fresh));
  }
  await slurmCommand('sbatch', ['--version']);
  await mkdir(root, { recursive: true });
  const releaseLock = await takeLock(layout);
  try {
    await checkEarlierJobs(root);
    await prepareFolder(layout, config, plan.files, { resume: true, overwrite: options.overwrite, executor: 'slurm' });
    const jobs = await planSlurmJobs(plan, identity, options);
    if (jobs.length === 0) return submission(jobs);
    await mkdir(slurmLogs(root), { recursive: true });
    let previous: string | undefined;
    const record: SlurmJobsRecord = { submitted_at: new Date().toISOString(), identity, jobs: [] };
    try {
      for (const job of jobs) {
        const path = join(slurmFolder(root), job.script);
        await writeFile(path, job.text, { mode: 0o755 });
        const out = await slurmCommand('sbatch', ['--parsable', ...dependencyArgs(previous), path]);
        job.id = out.trim().split(';')[0]!;
        if (!/^\d+$/.test(job.id)) throw new UserError(`sbatch ${path}: unexpected answer ${JSON.stringify(out.trim())}`);
        previous = job.id;
        record.jobs.push({ id: job.id, name: job.name, kind: job.kind, ...(job.stage ? { stage: job.stage } : {}), ...(job.array ? { array: compactIndices(job.array) } : {}) });
      }
    } catch (err) {
      // Half a chain would run its first stages and stop: cancel what this submission queued.
      const ids = record.jobs.map((j) => j.id);
      if (ids.length > 0) await slurmCommand('scancel', ids).catch(() => undefined);
      throw err instanceof UserError && ids.length > 0 ? new UserError(`${err.message}\n(cancelled the jobs submitted before: ${ids.join(' ')})`) : err;
    } finally {
      // Whatever was submitted is recorded, so that status and the next submission know of it.
      if (record.jobs.length > 0) await writeFileAtomic(join(slurmFolder(root), 'jobs.json'), `${JSON.stringify(record, null, 1)}\n`);
    }
    return submission(jobs);
  } finally {
    await releaseLock();
  }
}
