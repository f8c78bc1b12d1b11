import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { exists } from '../util/fs.js';
import { attemptPath, readAttempt, type TaskAttempt } from './attempt.js';
import { stepName } from './config.js';
import { segmentStepNames } from './plan.js';
import { collectResults, planRun } from './run.js';
import { readRunRecord, type RunRecord } from './run-folder.js';
import { querySlurmQueue, type QueuedJob } from './executors/slurm-queue.js';
import { slurmFolder, stageLogPath, type SlurmJobsRecord } from './executors/slurm.js';
import type { RunStats } from './stats.js';

export type TaskState = 'done' | 'running' | 'failed' | 'pending';

export interface StageStatus {
  /** 1-based. */
  stage: number;
  steps: string[];
  /** The global step this stage collects for, and whether it has been resolved. */
  collects?: { step: string; resolved: boolean };
  counts: Record<TaskState, number>;
  /** Failed tasks (first 20), with why and where to look. */
  failures: { index: number; file: string; message: string; log?: string }[];
}

export interface RunStatus {
  root: string;
  pipeline: string;
  executor: RunRecord['executor'];
  started_at: string;
  tasks: number;
  stages: StageStatus[];
  complete: boolean;
  /** Counters merged from the tasks done so far. */
  stats: RunStats;
  /** The latest Slurm submission's jobs with their state in the queue ('left the queue' once finished or cancelled). */
  jobs?: { id: string; name: string; state: string; reason?: string }[];
  /** Whether Slurm's queue could be read (Slurm runs only). */
  queue?: boolean;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A running attempt's real state: its Slurm job or process may have died without a word. */
function judgeAttempt(attempt: TaskAttempt, queue: Map<string, QueuedJob> | undefined): { state: TaskState; message?: string } {
  if (attempt.state === 'failed') return { state: 'failed', message: attempt.message ?? 'failed' };
  if (attempt.slurm_job) {
    if (!queue || queue.has(attempt.slurm_job)) return { state: 'running' };
    return { state: 'failed', message: `Slurm job ${attempt.slurm_job} ended without finishing the task (cancelled, killed, out of time or memory)` };
  }
  if (attempt.host !== hostname() || pidAlive(attempt.pid)) return { state: 'running' };
  return { state: 'failed', message: `process ${attempt.pid} ended without finishing the task (killed or interrupted)` };
}

/** Where a run stands: per stage, tasks done / running / failed / pending, and the counters so far. */
export async function runStatus(root: string): Promise<RunStatus> {
  const record = await readRunRecord(root);
  const plan = planRun(record.config, record.inputs);
  const { layout, segments, tasks } = plan;
  const jobsFile = join(slurmFolder(root), 'jobs.json');
  const slurmJobs = (await exists(jobsFile)) ? (JSON.parse(await readFile(jobsFile, 'utf8')) as SlurmJobsRecord) : undefined;
  const queue = record.executor === 'slurm' || slurmJobs ? await querySlurmQueue() : undefined;

  const stages: StageStatus[] = [];
  for (const segment of segments) {
    const closing = segment.closing ? stepName(segment.closing) : undefined;
    const stage = segment.index + 1;
    const status: StageStatus = {
      stage,
      steps: segmentStepNames(segment).map((s) => s.name),
      ...(closing ? { collects: { step: closing, resolved: await exists(layout.resolved(closing)) } } : {}),
      counts: { done: 0, running: 0, failed: 0, pending: 0 },
      failures: [],
    };
    for (const task of tasks) {
      let state: TaskState = 'pending';
      if (await exists(layout.marker(task.index, closing))) state = 'done';
      else {
        const attempt = await readAttempt(attemptPath(layout, segment.index, task.index, record.config));
        if (attempt) {
          const judged = judgeAttempt(attempt, queue);
          state = judged.state;
          if (state === 'failed' && status.failures.length < 20) {
            const log = attempt.slurm_job ? stageLogPath(root, stage, attempt.slurm_job) : undefined;
            status.failures.push({ index: task.index, file: task.inputFile, message: judged.message!, ...(log ? { log } : {}) });
          }
        }
      }
      status.counts[state] += 1;
    }
    stages.push(status);
  }
  const { stats, complete } = await collectResults(record.config, layout, segments, tasks.length);
  const jobs = slurmJobs?.jobs.map((job) => {
    const entries = queue ? [...queue.values()].filter((q) => q.job === job.id) : [];
    const states = [...new Set(entries.map((q) => q.state))];
    const reason = [...new Set(entries.map((q) => q.reason).filter((r) => r && r !== 'None'))].join(', ');
    const state = !queue ? 'unknown (squeue not available)' : states.length > 0 ? states.join(', ') : 'left the queue';
    return { id: job.id, name: job.name, state, ...(reason ? { reason } : {}) };
  });
  return {
    root,
    pipeline: record.config.name,
    executor: record.executor,
    started_at: record.started_at,
    tasks: tasks.length,
    stages,
    complete: complete && (await exists(layout.manifest)),
    stats,
    ...(jobs ? { jobs } : {}),
    ...(record.executor === 'slurm' || slurmJobs ? { queue: queue !== undefined } : {}),
  };
}
