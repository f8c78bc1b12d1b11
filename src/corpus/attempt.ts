import { readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { errorMessage } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { stepName, type PipelineConfig } from './config.js';
import { RunLayout } from './layout.js';
import { planSegments } from './plan.js';
import type { TaskInfo } from './step.js';
import { runTask, type TaskHooks, type TaskResult } from './task.js';

/**
 * The record of a task attempt that has not (yet) left a completion marker, next to where the
 * marker goes: tasks/00003.attempt. Written when the task starts, replaced by a failure when it
 * throws, removed when the marker is written. `apertus data status` reads it to tell a running
 * task from one whose process died (killed, out of memory, cancelled array element).
 */
export interface TaskAttempt {
  state: 'running' | 'failed';
  host: string;
  pid: number;
  /** `<array job>_<index>` (or the job id) when the task runs as a Slurm job. */
  slurm_job?: string;
  started_at: string;
  message?: string;
}

export function attemptPath(layout: RunLayout, segment: number, index: number, config: PipelineConfig): string {
  const closing = planSegments(config)[segment]!.closing;
  return layout.marker(index, closing ? stepName(closing) : undefined).replace(/\.json$/, '.attempt');
}

export async function readAttempt(path: string): Promise<TaskAttempt | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as TaskAttempt;
  } catch {
    return undefined;
  }
}

/** The Slurm job this process runs in, if any. */
export function currentSlurmJob(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.SLURM_ARRAY_JOB_ID && env.SLURM_ARRAY_TASK_ID) return `${env.SLURM_ARRAY_JOB_ID}_${env.SLURM_ARRAY_TASK_ID}`;
  return env.SLURM_JOB_ID || undefined;
}

/**
 * Run one segment of one task (runTask) and keep its attempt record. This is the one way every
 * executor runs a task, so a task's outputs do not depend on where it ran.
 */
export async function runRecordedTask(config: PipelineConfig, segment: number, task: TaskInfo, hooks: TaskHooks = {}): Promise<TaskResult> {
  const layout = new RunLayout(config.output.path, config.output.format);
  const path = attemptPath(layout, segment, task.index, config);
  const slurmJob = currentSlurmJob();
  const attempt: TaskAttempt = {
    state: 'running',
    host: hostname(),
    pid: process.pid,
    ...(slurmJob ? { slurm_job: slurmJob } : {}),
    started_at: new Date().toISOString(),
  };
  await writeFileAtomic(path, `${JSON.stringify(attempt)}\n`);
  let result: TaskResult;
  try {
    result = await runTask(config, segment, task, hooks);
  } catch (err) {
    await writeFileAtomic(path, `${JSON.stringify({ ...attempt, state: 'failed', message: errorMessage(err) })}\n`);
    throw err;
  }
  await rm(path, { force: true });
  return result;
}
