/**
 * Counters of a pipeline run. A task counts its own; the executor merges the tasks' counters in
 * task order into stats.json, so the merged file does not depend on how tasks were scheduled.
 */

export interface StepStats {
  name: string;
  kind: string;
  in: number;
  kept: number;
  modified: number;
  /** Documents removed, by reason. */
  removed: Record<string, number>;
  /** Characters of text entering the step and leaving it through a removal. */
  chars_in: number;
  chars_removed: number;
  /** The step's own counters (matches per PII type, ...). */
  extra: Record<string, number>;
}

export interface ReaderStats {
  /** Documents the reader produced. */
  documents: number;
  /** Malformed records, reported and skipped. */
  bad_records: number;
  /** Well-formed records that carry no document, by reason (a WARC request, a page with no text). */
  skipped: Record<string, number>;
  /** Raw input bytes read. */
  bytes: number;
}

/** Per language or per domain: how many documents arrived there and where they went. */
export interface GroupStats {
  documents: number;
  kept: number;
  chars: number;
  /** Removed documents by `step/reason`. */
  removed: Record<string, number>;
}

export interface RunStats {
  reader: ReaderStats;
  steps: StepStats[];
  output: { documents: number; chars: number };
  by_language: Record<string, GroupStats>;
  by_domain: Record<string, GroupStats>;
}

export function emptyStepStats(name: string, kind: string): StepStats {
  return { name, kind, in: 0, kept: 0, modified: 0, removed: {}, chars_in: 0, chars_removed: 0, extra: {} };
}

export function emptyRunStats(steps: { name: string; kind: string }[]): RunStats {
  return {
    reader: { documents: 0, bad_records: 0, skipped: {}, bytes: 0 },
    steps: steps.map((s) => emptyStepStats(s.name, s.kind)),
    output: { documents: 0, chars: 0 },
    by_language: {},
    by_domain: {},
  };
}

export function addCount(counts: Record<string, number>, key: string, n = 1): void {
  counts[key] = (counts[key] ?? 0) + n;
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, n] of Object.entries(from)) addCount(into, key, n);
}

function addGroup(into: Record<string, GroupStats>, key: string, from: GroupStats): void {
  const group = (into[key] ??= { documents: 0, kept: 0, chars: 0, removed: {} });
  group.documents += from.documents;
  group.kept += from.kept;
  group.chars += from.chars;
  addCounts(group.removed, from.removed);
}

/** Record where one document ended: kept, or removed by `step/reason`. */
export function countOutcome(groups: Record<string, GroupStats>, key: string, chars: number, removedBy?: string): void {
  const group = (groups[key] ??= { documents: 0, kept: 0, chars: 0, removed: {} });
  group.documents += 1;
  group.chars += chars;
  if (removedBy === undefined) group.kept += 1;
  else addCount(group.removed, removedBy);
}

/**
 * Add `from` into `into`. `from` may hold a subset of the steps (one segment of a pipeline cut
 * at its global steps): steps are matched by name.
 */
export function mergeRunStats(into: RunStats, from: RunStats): void {
  into.reader.documents += from.reader.documents;
  into.reader.bad_records += from.reader.bad_records;
  into.reader.bytes += from.reader.bytes;
  addCounts(into.reader.skipped, from.reader.skipped);
  for (const step of from.steps) {
    const target = into.steps.find((s) => s.name === step.name);
    if (!target) throw new Error(`counters of an unknown step ${step.name}`);
    target.in += step.in;
    target.kept += step.kept;
    target.modified += step.modified;
    target.chars_in += step.chars_in;
    target.chars_removed += step.chars_removed;
    addCounts(target.removed, step.removed);
    addCounts(target.extra, step.extra);
  }
  into.output.documents += from.output.documents;
  into.output.chars += from.output.chars;
  for (const [key, group] of Object.entries(from.by_language)) addGroup(into.by_language, key, group);
  for (const [key, group] of Object.entries(from.by_domain)) addGroup(into.by_domain, key, group);
}

/**
 * Keep the `limit` largest groups (by documents, ties by name) and fold the rest into `(other)`:
 * a real crawl has millions of domains, and stats.json must stay readable.
 */
export function topGroups(groups: Record<string, GroupStats>, limit: number): Record<string, GroupStats> {
  const entries = Object.entries(groups).sort((a, b) => b[1].documents - a[1].documents || (a[0] < b[0] ? -1 : 1));
  const out: Record<string, GroupStats> = {};
  for (const [key, group] of entries.slice(0, limit)) out[key] = group;
  for (const [, group] of entries.slice(limit)) addGroup(out, '(other)', group);
  return out;
}

/** Sort an object's keys so that serialised stats are byte-stable. */
export function sortKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeys) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out as T;
  }
  return value;
}
