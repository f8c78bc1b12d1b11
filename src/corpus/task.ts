import { appendFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { getDomain } from 'tldts';
import { BadRecordError } from '../util/errors.js';
import { fileDigest, writeFileAtomic, type FileDigest } from '../util/fs.js';
import { stepName, type PipelineConfig } from './config.js';
import { documentHost, type Document } from './document.js';
import type { Collector, GlobalFilter } from './global-step.js';
import { openReader, openWriter } from './io/index.js';
import { DEFAULT_FIELDS, type DocumentWriter, type InputFormat } from './io/types.js';
import { RunLayout } from './layout.js';
import { buildGlobalStep, buildStep, planSegments, segmentStepNames, type Segment } from './plan.js';
import { addCount, countOutcome, emptyRunStats, type RunStats, type StepStats } from './stats.js';
import type { Step, TaskInfo } from './step.js';

/** What a finished task (of one segment) leaves in its completion marker. */
export interface TaskResult {
  index: number;
  segment: number;
  /** The input file (first segment only). */
  input?: FileDigest;
  /** Output files (documents/ and removed/), paths relative to the run folder. */
  outputs: FileDigest[];
  /** Counters of this segment's steps; reader counters in the first segment only. */
  stats: RunStats;
  seconds: number;
}

export interface TaskHooks {
  /** Documents read and raw bytes consumed since the last call. */
  onProgress?(documents: number, bytes: number): void;
  /** A malformed record that was skipped (on_error: skip). */
  onBadRecord?(err: BadRecordError): void;
  signal?: AbortSignal;
}

/** The label a document is counted under in by_language. */
function languageOf(doc: Document): string {
  const language = doc.metadata.language;
  return typeof language === 'string' && language ? language : 'unknown';
}

function domainOf(doc: Document): string {
  const host = documentHost(doc);
  return host === undefined ? '(no url)' : (getDomain(host) ?? host);
}

/** Where one segment of one task reads, writes and leaves its marker. */
function segmentFiles(layout: RunLayout, segment: Segment, task: TaskInfo) {
  const opening = segment.opening ? stepName(segment.opening) : undefined;
  const closing = segment.closing ? stepName(segment.closing) : undefined;
  return {
    input: opening ? layout.stageDocuments(opening, task.index) : task.inputFile,
    output: closing ? layout.stageDocuments(closing, task.index) : layout.documents(task.index),
    marker: layout.marker(task.index, closing),
  };
}

/**
 * Run one segment of the pipeline over one task's documents. Outputs are written under temporary
 * names and renamed into place only when every document has been read, so a task killed midway
 * leaves nothing that `--resume` could mistake for a result.
 */
export async function runTask(config: PipelineConfig, segmentIndex: number, task: TaskInfo, hooks: TaskHooks = {}): Promise<TaskResult> {
  const started = performance.now();
  const layout = new RunLayout(config.output.path, config.output.format);
  const segments = planSegments(config);
  const segment = segments[segmentIndex]!;
  const files = segmentFiles(layout, segment, task);
  const steps = segment.steps.map(buildStep);
  const stats = emptyRunStats(segmentStepNames(segment));
  const last = segment.closing === undefined;
  const kept = await openWriter(files.output, last ? config.output.format : 'jsonl.zst');
  const removedWriters = new Map<string, DocumentWriter>();
  const logFile = layout.log(task.index);
  await mkdir(dirname(logFile), { recursive: true });
  if (segmentIndex === 0) await rm(logFile, { force: true });

  let collector: Collector | undefined;
  let filter: GlobalFilter | undefined;
  const writers = (): DocumentWriter[] => [kept, ...removedWriters.values()];
  try {
    if (segment.opening) {
      filter = await buildGlobalStep(segment.opening).filter(task, layout.stageData(stepName(segment.opening)));
    }
    if (segment.closing) {
      collector = await buildGlobalStep(segment.closing).collect(task, layout.stageData(stepName(segment.closing)));
    }
    for (const step of steps) await step.open?.(task);
    const format = segmentIndex > 0 || config.input.format === 'auto' ? undefined : (config.input.format as InputFormat);
    let pendingDocs = 0;
    let pendingBytes = 0;
    const documents = openReader(
      files.input,
      {
        fields: segmentIndex === 0 ? config.input.fields : DEFAULT_FIELDS,
        onBadRecord(err) {
          if (config.on_error === 'fail') throw err;
          stats.reader.bad_records += 1;
          hooks.onBadRecord?.(err);
          appendFileSync(logFile, `${err.message}\n`);
        },
        onSkip: (reason) => addCount(stats.reader.skipped, reason),
        onProgress: (bytes) => {
          if (segmentIndex === 0) stats.reader.bytes += bytes;
          pendingBytes += bytes;
        },
      },
      format,
    );
    const audit = config.output.removed ? { writers: removedWriters, layout, index: task.index } : undefined;
    let ordinal = 0;
    let collected = 0;
    for await (const doc of documents) {
      if (hooks.signal?.aborted) throw new Error('interrupted');
      if (segmentIndex === 0) stats.reader.documents += 1;
      let removedBy: string | undefined;
      if (filter) {
        const counters = stats.steps[0]!;
        removedBy = await decide(doc, stepName(segment.opening!), counters, filter.apply(doc, ordinal++, counters.extra), audit);
      }
      if (removedBy === undefined) removedBy = await applySteps(doc, steps, stats.steps.slice(filter ? 1 : 0), audit);
      if (removedBy !== undefined || last) {
        countOutcome(stats.by_language, languageOf(doc), doc.text.length, removedBy);
        countOutcome(stats.by_domain, domainOf(doc), doc.text.length, removedBy);
      }
      if (removedBy === undefined) {
        if (last) {
          stats.output.documents += 1;
          stats.output.chars += doc.text.length;
        }
        await collector?.add(doc, collected++);
        await kept.write(doc);
      }
      if (++pendingDocs >= 256) {
        hooks.onProgress?.(pendingDocs, pendingBytes);
        pendingDocs = pendingBytes = 0;
      }
    }
    hooks.onProgress?.(pendingDocs, pendingBytes);
    for (const step of steps) await step.close?.();
    await collector?.finish();
  } catch (err) {
    await Promise.all(writers().map((w) => w.abort()));
    await collector?.abort?.();
    throw err;
  }

  const outputs: FileDigest[] = [];
  for (const writer of writers()) {
    const { path } = await writer.commit();
    if (writer === kept && !last) continue; // a stage's documents are not an output of the run
    const digest = await fileDigest(path);
    outputs.push({ ...digest, path: relative(layout.root, path) });
  }
  outputs.sort((a, b) => (a.path < b.path ? -1 : 1));
  const result: TaskResult = {
    index: task.index,
    segment: segmentIndex,
    ...(segmentIndex === 0 ? { input: await fileDigest(task.inputFile) } : {}),
    outputs,
    stats,
    seconds: (performance.now() - started) / 1000,
  };
  await writeFileAtomic(files.marker, `${JSON.stringify(result, null, 1)}\n`);
  return result;
}

interface Audit {
  writers: Map<string, DocumentWriter>;
  layout: RunLayout;
  index: number;
}

/** Pass one document through the steps; returns `step/reason` when a step removed it. */
async function applySteps(doc: Document, steps: Step[], counters: StepStats[], audit: Audit | undefined): Promise<string | undefined> {
  for (let i = 0; i < steps.length; i++) {
    const removedBy = await decide(doc, steps[i]!.name, counters[i]!, steps[i]!.apply(doc, counters[i]!.extra), audit);
    if (removedBy !== undefined) return removedBy;
  }
  return undefined;
}

/** Count one verdict and write a removed document to the audit; returns `step/reason` on removal. */
async function decide(
  doc: Document,
  name: string,
  counters: StepStats,
  verdict: ReturnType<Step['apply']>,
  audit: Audit | undefined,
): Promise<string | undefined> {
  counters.in += 1;
  counters.chars_in += doc.text.length;
  if (verdict.keep) {
    counters.kept += 1;
    if (verdict.modified) counters.modified += 1;
    return undefined;
  }
  addCount(counters.removed, verdict.reason);
  counters.chars_removed += doc.text.length;
  if (audit) {
    let writer = audit.writers.get(name);
    if (!writer) {
      writer = await openWriter(audit.layout.removed(name, audit.index), audit.layout.format);
      audit.writers.set(name, writer);
    }
    const removed = { step: name, reason: verdict.reason, ...(verdict.detail === undefined ? {} : { detail: verdict.detail }) };
    await writer.write({ ...doc, metadata: { ...doc.metadata, removed } });
  }
  return `${name}/${verdict.reason}`;
}
