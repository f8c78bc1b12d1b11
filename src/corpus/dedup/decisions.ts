import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../util/fs.js';
import { readIdLines } from './key-file.js';

/**
 * What resolve decides, per task: which ordinals to remove (and which document each duplicates)
 * and, for each kept document that had copies, how many documents its group held. Written as one
 * JSON file per task (`decisions/NNNNN.json`), read by that task's filter phase:
 *
 *   {"documents": N, "removed": [[ordinal, id, kept_id], ...], "kept": [[ordinal, id, group_size], ...]}
 *
 * Both lists are sorted by ordinal. Ids let the filter check that it sees the documents that were
 * collected, and give the audit the id of the document that was kept.
 */

const TASK_SPAN = 2 ** 32;

/** One number per document across the run: task-major, so node order is (task, ordinal) order. */
export function nodeId(task: number, ordinal: number): number {
  return task * TASK_SPAN + ordinal;
}

/** Where a step keeps each task's files under its private folder. */
export function taskPaths(dir: string, task: number): { keys: string; ids: string; decisions: string } {
  const name = String(task).padStart(5, '0');
  return {
    keys: join(dir, 'collect', `${name}.keys`),
    ids: join(dir, 'collect', `${name}.ids.jsonl`),
    decisions: join(dir, 'decisions', `${name}.json`),
  };
}

export class DecisionSet {
  private readonly removed: number[] = [];
  private readonly keptBy: number[] = [];
  private readonly groupSizes = new Map<number, number>();

  get duplicates(): number {
    return this.removed.length;
  }

  remove(node: number, kept: number): void {
    this.removed.push(node);
    this.keptBy.push(kept);
  }

  keep(node: number, groupSize: number): void {
    this.groupSizes.set(node, groupSize);
  }

  /** Writes every task's decision file (an empty one where nothing is removed). */
  async write(dir: string, documents: number[]): Promise<void> {
    const ids = await this.lookUpIds(dir);
    const perTask = documents.map(() => ({ removed: [] as Array<[number, string, string]>, kept: [] as Array<[number, string, number]> }));
    this.removed.forEach((node, i) => {
      perTask[Math.floor(node / TASK_SPAN)]!.removed.push([node % TASK_SPAN, ids.get(node)!, ids.get(this.keptBy[i]!)!]);
    });
    for (const [node, size] of this.groupSizes) perTask[Math.floor(node / TASK_SPAN)]!.kept.push([node % TASK_SPAN, ids.get(node)!, size]);
    for (const [task, lists] of perTask.entries()) {
      lists.removed.sort((a, b) => a[0] - b[0]);
      lists.kept.sort((a, b) => a[0] - b[0]);
      const body = JSON.stringify({ documents: documents[task], removed: lists.removed, kept: lists.kept });
      await writeFileAtomic(taskPaths(dir, task).decisions, body + '\n');
    }
  }

  /** Ids of every document named in a decision, reading one task's ids file at a time. */
  private async lookUpIds(dir: string): Promise<Map<number, string>> {
    const byTask = new Map<number, number[]>();
    for (const node of [...this.removed, ...this.groupSizes.keys()]) {
      const task = Math.floor(node / TASK_SPAN);
      const list = byTask.get(task) ?? [];
      list.push(node % TASK_SPAN);
      byTask.set(task, list);
    }
    const ids = new Map<number, string>();
    for (const [task, ordinals] of byTask) {
      const lines = await readIdLines(taskPaths(dir, task).ids);
      for (const ordinal of ordinals) ids.set(nodeId(task, ordinal), JSON.parse(lines[ordinal]!) as string);
    }
    return ids;
  }
}

export interface TaskDecisions {
  documents: number;
  removed: Map<number, { id: string; kept: string }>;
  kept: Map<number, { id: string; size: number }>;
}

export async function readTaskDecisions(path: string): Promise<TaskDecisions> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`${path}: no dedup decisions for this task (did the resolve phase finish?): ${(err as Error).message}`);
  }
  const raw = JSON.parse(text) as { documents: number; removed: Array<[number, string, string]>; kept: Array<[number, string, number]> };
  return {
    documents: raw.documents,
    removed: new Map(raw.removed.map(([ordinal, id, kept]) => [ordinal, { id, kept }])),
    kept: new Map(raw.kept.map(([ordinal, id, size]) => [ordinal, { id, size }])),
  };
}
