import { createHash } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import { exists, writeFileAtomic } from '../util/fs.js';
import type { PipelineConfig } from './config.js';
import type { RunLayout } from './layout.js';

/**
 * run.json: what a run folder holds. Besides the identity `--resume` checks, it keeps the
 * validated config and the input list, so that a job on another machine (an element of a Slurm
 * array) and `apertus data status` can work from the run folder alone.
 */
export interface RunRecord {
  identity: string;
  started_at: string;
  executor: 'local' | 'slurm';
  config: PipelineConfig;
  /** Task i reads inputs[i]. */
  inputs: string[];
}

/** The identity of a run: config and input list. `--resume` refuses to mix two different runs. */
export function runIdentity(config: PipelineConfig, files: string[]): string {
  return createHash('sha256').update(JSON.stringify({ config, files })).digest('hex');
}

/** The folders of a run that hold files written under temporary names (see layout.ts). */
export const RUN_FOLDERS = ['documents', 'removed', 'tasks', 'logs', 'stages', 'slurm'];

export function runRecordPath(root: string): string {
  return join(root, 'run.json');
}

/** Read run.json of a run folder; a UserError when there is none or it predates the stored config. */
export async function readRunRecord(root: string): Promise<RunRecord> {
  const file = runRecordPath(root);
  if (!(await exists(file))) throw new UserError(`${root}: no run.json here; is this the output folder of \`apertus data run\`?`);
  const record = JSON.parse(await readFile(file, 'utf8')) as Partial<RunRecord>;
  if (!record.config || !record.inputs) {
    throw new UserError(`${file} was written by an older version (no config in it): rerun the pipeline with --resume to update it`);
  }
  return record as RunRecord;
}

/**
 * Remove what killed or interrupted tasks left under temporary names. Only the run's own
 * folders and files are looked at: the output folder may hold other things of the user's.
 */
export async function removeTemporaryFiles(root: string): Promise<void> {
  const remove = async (path: string) => {
    if (path.endsWith('.tmp')) await rm(path, { force: true });
  };
  if (!(await exists(root))) return;
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (entry.isFile()) await remove(join(root, entry.name));
  }
  for (const folder of RUN_FOLDERS) {
    const dir = join(root, folder);
    if (!(await exists(dir))) continue;
    for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
      if (entry.isFile()) await remove(join(entry.parentPath, entry.name));
    }
  }
}

/** Take the run folder's lock, refusing when a live process holds it. */
export async function takeLock(layout: RunLayout): Promise<() => Promise<void>> {
  if (await exists(layout.lock)) {
    const pid = Number((await readFile(layout.lock, 'utf8')).trim());
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = pid !== process.pid;
    } catch {
      alive = false;
    }
    if (alive) throw new UserError(`${layout.root}: another run (pid ${pid}) is using this folder`);
  }
  await writeFile(layout.lock, `${process.pid}\n`);
  return () => rm(layout.lock, { force: true });
}

export interface PrepareOptions {
  resume?: boolean;
  overwrite?: boolean;
  executor: RunRecord['executor'];
}

/**
 * Check the run folder against an earlier run: refuse, clear it, or resume it; then write
 * run.json and remove leftovers under temporary names. Returns whether an earlier run was found.
 */
export async function prepareFolder(layout: RunLayout, config: PipelineConfig, files: string[], options: PrepareOptions): Promise<boolean> {
  const identity = runIdentity(config, files);
  const runFile = runRecordPath(layout.root);
  const earlier = await exists(runFile);
  if (earlier) {
    const previous = JSON.parse(await readFile(runFile, 'utf8')) as { identity: string };
    if (options.overwrite) {
      for (const name of [...RUN_FOLDERS, 'stats.json', 'manifest.json', 'run.json']) {
        await rm(join(layout.root, name), { recursive: true, force: true });
      }
    } else if (!options.resume) {
      throw new UserError(`${layout.root} already holds a run: use --resume to finish it or --overwrite to start again`);
    } else if (previous.identity !== identity) {
      throw new UserError(`${layout.root} holds a run of another config or input set: --resume needs the same ones (or use --overwrite)`);
    }
  }
  const record: RunRecord = { identity, started_at: new Date().toISOString(), executor: options.executor, config, inputs: files };
  await writeFileAtomic(runFile, `${JSON.stringify(record, null, 1)}\n`);
  await removeTemporaryFiles(layout.root);
  return earlier && !options.overwrite;
}
