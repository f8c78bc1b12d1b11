import { SectionReader, type KeyFile } from './key-file.js';

/**
 * Visits one section's records of every task in key order (ties: task, then ordinal), streaming:
 * a binary heap over one reader per task, so memory is one chunk per task whatever the corpus
 * size. The order depends only on the files, never on how many workers wrote them.
 */

/** Reads of at most this many bytes per task and section in total (chunks shrink as tasks grow). */
const READ_BUDGET_BYTES = 64 << 20;

export type RecordVisitor = (task: number, words: Uint32Array, at: number) => void;

export async function mergeSection(files: KeyFile[], section: number, visit: RecordVisitor): Promise<void> {
  if (files.length === 0) return;
  const keyWords = files[0]!.header.keyWords;
  const stride = keyWords + 1;
  const chunkRecords = Math.max(256, Math.min(1 << 16, Math.floor(READ_BUDGET_BYTES / (files.length * stride * 4))));
  const readers = await Promise.all(files.map((file) => SectionReader.open(file, section, chunkRecords)));
  try {
    // heap of task indices whose reader has a current record, smallest (key, task) on top
    const heap = readers.map((_, task) => task).filter((task) => !readers[task]!.done);
    const less = (x: number, y: number): boolean => {
      const a = readers[x]!;
      const b = readers[y]!;
      for (let w = 0; w < keyWords; w++) {
        const u = a.words[a.at + w]!;
        const v = b.words[b.at + w]!;
        if (u !== v) return u < v;
      }
      return x < y;
    };
    const siftDown = (i: number): void => {
      for (;;) {
        const l = 2 * i + 1;
        if (l >= heap.length) return;
        const c = l + 1 < heap.length && less(heap[l + 1]!, heap[l]!) ? l + 1 : l;
        if (!less(heap[c]!, heap[i]!)) return;
        [heap[c], heap[i]] = [heap[i]!, heap[c]!];
        i = c;
      }
    };
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(i);
    while (heap.length > 0) {
      const task = heap[0]!;
      const reader = readers[task]!;
      visit(task, reader.words, reader.at);
      if (!reader.advance() && !(await reader.fill())) {
        heap[0] = heap[heap.length - 1]!;
        heap.pop();
      }
      siftDown(0);
    }
  } finally {
    await Promise.all(readers.map((r) => r.close()));
  }
}

/** Whether the key at words[at] equals the saved key (first keyWords words of `saved`). */
export function sameKey(words: Uint32Array, at: number, saved: Uint32Array, keyWords: number): boolean {
  for (let w = 0; w < keyWords; w++) if (words[at + w] !== saved[w]) return false;
  return true;
}
