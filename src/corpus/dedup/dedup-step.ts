import { rm } from 'node:fs/promises';
import type { Document } from '../document.js';
import type { Collector, GlobalFilter, GlobalStep, ResolveSummary } from '../global-step.js';
import { KEEP, remove, type TaskInfo, type Verdict } from '../step.js';
import { writeFileAtomic } from '../../util/fs.js';
import { DecisionSet, readTaskDecisions, taskPaths, type TaskDecisions } from './decisions.js';
import { readKeyFileHeader, sortRecords, writeKeyFile, type KeyFile } from './key-file.js';

/**
 * What exact and MinHash dedup share: collect writes each task's sorted keys and document ids,
 * resolve groups keys across tasks into decisions, filter applies them. A concrete step says how
 * a document becomes keys and how keys become groups.
 */
export interface DedupSpec {
  kind: string;
  name: string;
  /** The options that shape keys: stored with the keys, and resolve refuses files that differ. */
  params: Record<string, unknown>;
  /** Keys per document (MinHash bands) and 32-bit words per key. */
  sections: number;
  keyWords: number;
  reason: string;
  /** Metadata field written on a kept document whose group had more than one document. */
  groupSizeField: string;
  /** One per collecting task: writes sections x keyWords words, or returns false (no key: skipped). */
  makeKeyer(): (doc: Document, keys: Uint32Array) => boolean;
  /** Groups all tasks' keys into decisions; `sectionDone` after each section. */
  group(files: KeyFile[], decisions: DecisionSet, sectionDone: () => void): Promise<ResolveSummary>;
}

/** Records of one section, appended in ordinal order: key words then ordinal. */
class RecordBuffer {
  words = new Uint32Array(1024);
  length = 0;

  push(keys: Uint32Array, from: number, keyWords: number, ordinal: number): void {
    if (this.length + keyWords + 1 > this.words.length) {
      const grown = new Uint32Array(2 * this.words.length);
      grown.set(this.words);
      this.words = grown;
    }
    for (let w = 0; w < keyWords; w++) this.words[this.length++] = keys[from + w]!;
    this.words[this.length++] = ordinal;
  }
}

function createCollector(spec: DedupSpec, task: TaskInfo, dir: string): Collector {
  const keyer = spec.makeKeyer();
  const keys = new Uint32Array(spec.sections * spec.keyWords);
  const sections = Array.from({ length: spec.sections }, () => new RecordBuffer());
  const ids: string[] = [];
  let skipped = 0;
  const paths = taskPaths(dir, task.index);
  return {
    add(doc: Document, ordinal: number): void {
      if (ordinal !== ids.length) throw new Error(`${spec.name}: task ${task.index} got ordinal ${ordinal}, expected ${ids.length} (documents must come in order)`);
      ids.push(doc.id);
      if (!keyer(doc, keys)) {
        skipped++;
        return;
      }
      sections.forEach((s, i) => s.push(keys, i * spec.keyWords, spec.keyWords, ordinal));
    },
    async finish(): Promise<void> {
      const sorted = sections.map((s) => sortRecords(s.words.subarray(0, s.length), spec.keyWords));
      // The ids first: resolve takes the keys file as the sign that the task's collect finished.
      await writeFileAtomic(paths.ids, ids.map((id) => JSON.stringify(id)).join('\n') + '\n');
      const header = { step: spec.kind, params: spec.params, keyWords: spec.keyWords, sections: sorted.map((s) => s.length / (spec.keyWords + 1)), documents: ids.length, skipped };
      await writeKeyFile(paths.keys, header, sorted);
    },
    async abort(): Promise<void> {
      await rm(paths.keys, { force: true });
      await rm(paths.ids, { force: true });
    },
  };
}

async function readCollected(spec: DedupSpec, tasks: number, dir: string): Promise<KeyFile[]> {
  const files: KeyFile[] = [];
  const expected = JSON.stringify(spec.params);
  for (let task = 0; task < tasks; task++) {
    const path = taskPaths(dir, task).keys;
    let file: KeyFile;
    try {
      file = await readKeyFileHeader(path);
    } catch (err) {
      throw new Error(`${spec.name}: task ${task} has no collected keys (${path}): its collect phase did not finish: ${(err as Error).message}`);
    }
    const found = JSON.stringify(file.header.params);
    if (file.header.step !== spec.kind || found !== expected || file.header.sections.length !== spec.sections) {
      throw new Error(`${path}: collected by ${file.header.step} with ${found}, but the step is ${spec.kind} with ${expected}: rerun the run from the start (--overwrite)`);
    }
    files.push(file);
  }
  return files;
}

function createFilter(spec: DedupSpec, task: TaskInfo, decisions: TaskDecisions): GlobalFilter {
  const check = (doc: Document, ordinal: number, id: string): void => {
    if (doc.id !== id) {
      throw new Error(`${spec.name}: task ${task.index} document ${ordinal} is ${doc.id}, but ${id} was collected there: the input changed since the collect phase; rerun the run from the start (--overwrite)`);
    }
  };
  return {
    apply(doc: Document, ordinal: number): Verdict {
      if (ordinal >= decisions.documents) {
        throw new Error(`${spec.name}: task ${task.index} has more documents than the ${decisions.documents} it collected: the input changed since the collect phase`);
      }
      const removed = decisions.removed.get(ordinal);
      if (removed) {
        check(doc, ordinal, removed.id);
        return remove(spec.reason, removed.kept);
      }
      const kept = decisions.kept.get(ordinal);
      if (!kept) return KEEP;
      check(doc, ordinal, kept.id);
      doc.metadata[spec.groupSizeField] = kept.size;
      return KEEP;
    },
  };
}

export function createDedupStep(spec: DedupSpec): GlobalStep {
  return {
    kind: spec.kind,
    name: spec.name,
    global: true,
    async collect(task: TaskInfo, dir: string): Promise<Collector> {
      return createCollector(spec, task, dir);
    },
    async resolve(tasks: number, dir: string, onProgress?: (done: number, total: number) => void): Promise<ResolveSummary> {
      if (tasks >= 2 ** 20) throw new Error(`${spec.name}: at most ${2 ** 20} tasks (got ${tasks})`);
      const files = await readCollected(spec, tasks, dir);
      const decisions = new DecisionSet();
      let done = 0;
      const total = spec.sections + 1;
      const summary = await spec.group(files, decisions, () => onProgress?.(++done, total));
      await decisions.write(dir, files.map((f) => f.header.documents));
      onProgress?.(total, total);
      const documents = files.reduce((n, f) => n + f.header.documents, 0);
      const skipped = files.reduce((n, f) => n + f.header.skipped, 0);
      return { documents, skipped, duplicates: decisions.duplicates, ...summary };
    },
    async filter(task: TaskInfo, dir: string): Promise<GlobalFilter> {
      return createFilter(spec, task, await readTaskDecisions(taskPaths(dir, task.index).decisions));
    },
  };
}
