/**
 * Talking to Slurm: run its client commands (found on PATH; SLURM_CONF and the rest of the
 * environment pass through) and read its queue.
 */
import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import { UserError } from '../../util/errors.js';

export class SlurmCommandError extends UserError {}

/** Run a Slurm client command; its stdout, or a UserError saying what went wrong and what to do. */
export function slurmCommand(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        return reject(
          new SlurmCommandError(
            `${command} not found on PATH: the Slurm executor needs Slurm's client commands (sbatch, squeue) on this machine ` +
              `(Debian/Ubuntu: apt-get install slurm-client, or slurm-wlm for a whole cluster), or run with --executor local`,
          ),
        );
      }
      const detail = (stderr || err.message).trim();
      reject(new SlurmCommandError(`${command} ${args.join(' ')} failed: ${detail}`));
    });
  });
}

/** One job, or one element of a job array, in Slurm's queue. */
export interface QueuedJob {
  /** The job id, or `<array job id>_<index>` for an array element. */
  key: string;
  /** The job id that was submitted (the array's id for its elements). */
  job: string;
  state: string;
  reason: string;
}

/**
 * This user's jobs in the queue (pending, running, completing; Slurm forgets finished jobs after
 * a while, and a job that is not here is no longer running). Array elements are listed one by
 * one. Undefined when squeue cannot be run (no Slurm on this machine, controller down).
 */
export async function querySlurmQueue(): Promise<Map<string, QueuedJob> | undefined> {
  let out: string;
  try {
    out = await slurmCommand('squeue', ['--noheader', '--array', `--user=${userInfo().username}`, '--format=%F|%K|%T|%r']);
  } catch {
    return undefined;
  }
  const jobs = new Map<string, QueuedJob>();
  for (const line of out.split('\n')) {
    const [job, index, state, reason] = line.trim().split('|');
    if (!job || !state) continue;
    // A pending array whose elements are not split yet may be listed as one range, e.g. 0-4%2.
    for (const i of index === undefined || index === 'N/A' ? [undefined] : expandIndices(index)) {
      const key = i === undefined ? job : `${job}_${i}`;
      jobs.set(key, { key, job, state, reason: reason ?? '' });
    }
  }
  return jobs;
}

/** `0-2,5,7-8%2` -> [0, 1, 2, 5, 7, 8]. */
export function expandIndices(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.replace(/%\d+$/, '').split(',')) {
    const [from, to] = part.split('-').map(Number);
    if (from === undefined || !Number.isInteger(from)) continue;
    for (let i = from; i <= (to ?? from); i++) out.push(i);
  }
  return out;
}

/** [0, 1, 2, 5, 7, 8] -> `0-2,5,7-8` (sorted, unique indices). */
export function compactIndices(indices: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < indices.length; ) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === indices[j]! + 1) j++;
    parts.push(j === i ? `${indices[i]}` : `${indices[i]}-${indices[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
