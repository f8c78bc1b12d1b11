/**
 * One job of a run, started from the run folder alone (run.json holds the config and the input
 * list): one task of one stage, the resolve of a global step, or the final merge. These are what
 * the elements of a Slurm job array and the jobs between them run; they share nothing but the
 * file system, and the task code is the local executor's (runRecordedTask).
 */
import { exists } from '../../util/fs.js';
import { UserError } from '../../util/errors.js';
import { runRecordedTask } from '../attempt.js';
import { stepName } from '../config.js';
import { finishRun, pendingTasks, planRun, resolveOnce, type RunPlan } from '../run.js';
import { readRunRecord } from '../run-folder.js';
import type { RunStats } from '../stats.js';

/** Load a run folder's plan; `identity` (a prefix of run.json's) guards against a replaced run. */
export async function loadStoredRun(root: string, identity?: string): Promise<RunPlan & { startedAt: Date }> {
  const record = await readRunRecord(root);
  if (identity && !record.identity.startsWith(identity)) {
    throw new UserError(`${root} now holds another run (identity ${record.identity.slice(0, 12)}, this job was submitted for ${identity}): not running`);
  }
  return { ...planRun(record.config, record.inputs), startedAt: new Date(record.started_at) };
}

/** Stages are numbered from 1, as `apertus data run` and `data status` show them. */
function segmentOf(plan: RunPlan, stage: number) {
  const segment = plan.segments[stage - 1];
  if (!segment) throw new UserError(`stage ${stage}: the pipeline has stages 1 to ${plan.segments.length}`);
  return segment;
}

export type JobOutcome = { ran: boolean; message: string };

/** One task of one stage; a task whose marker exists is not run again. */
export async function runStoredTask(root: string, stage: number, index: number, identity?: string): Promise<JobOutcome> {
  const plan = await loadStoredRun(root, identity);
  const segment = segmentOf(plan, stage);
  const task = plan.tasks[index];
  if (!task) throw new UserError(`task ${index}: the run has tasks 0 to ${plan.tasks.length - 1}`);
  const closing = segment.closing ? stepName(segment.closing) : undefined;
  if (await exists(plan.layout.marker(index, closing))) return { ran: false, message: `stage ${stage} task ${index}: already done` };
  if (segment.opening) {
    const opening = stepName(segment.opening);
    if (!(await exists(plan.layout.resolved(opening)))) {
      throw new UserError(`stage ${stage} task ${index}: ${opening} has not been resolved yet (its resolve job must finish first)`);
    }
  }
  const result = await runRecordedTask(plan.config, segment.index, task);
  return { ran: true, message: `stage ${stage} task ${index} (${task.inputFile}): done in ${result.seconds.toFixed(1)} s` };
}

/** Resolve the global step that closes `stage`, once every task of the stage is done. */
export async function resolveStoredStage(root: string, stage: number, identity?: string): Promise<JobOutcome> {
  const plan = await loadStoredRun(root, identity);
  const segment = segmentOf(plan, stage);
  if (!segment.closing) throw new UserError(`stage ${stage} is the last one: there is no global step to resolve after it`);
  const name = stepName(segment.closing);
  if (await exists(plan.layout.resolved(name))) return { ran: false, message: `${name}: already resolved` };
  const pending = await pendingTasks(plan, segment);
  if (pending.length > 0) {
    throw new UserError(`${name}: cannot resolve, ${pending.length} task(s) of stage ${stage} have not finished (${pending.slice(0, 10).map((t) => t.index).join(', ')})`);
  }
  let summary = '';
  await resolveOnce(plan.layout, segment, plan.tasks.length, {
    onResolved: (_step, counters, seconds) => {
      summary = `${name}: resolved in ${seconds.toFixed(1)} s (${Object.entries(counters).map(([k, n]) => `${k} ${n}`).join(', ')})`;
    },
  });
  return { ran: true, message: summary };
}

/** The final job: merge the markers into stats.json and write manifest.json (as the local executor does). */
export async function finishStoredRun(root: string, workers: number, identity?: string): Promise<{ stats: RunStats; complete: boolean }> {
  const plan = await loadStoredRun(root, identity);
  const outcome = await finishRun(plan, plan.startedAt, new Date(), workers);
  if (!outcome.complete) throw new UserError(`${root}: the run is not complete (see \`apertus data status ${root}\`); stats.json holds the counters so far`);
  return outcome;
}
