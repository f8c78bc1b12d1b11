import { appendFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { getDomain } from 'tldts';
import { BadRecordError } from '../util/errors.js';
import { fileDigest, writeFileAtomic, type FileDigest } from '../util/fs.js';
import type { PipelineConfig } from './config.js';
import { documentHost, type Document } from './document.js';
import { openReader, openWriter } from './io/index.js';
import type { DocumentWriter, InputFormat } from './io/types.js';
import { RunLayout } from './layout.js';
import { addCount, countOutcome, emptyRunStats, type RunStats } from './stats.js';
import type { Step, TaskInfo } from './step.js';
import { stepDefinition } from './steps/index.js';

/** What a finished task leaves in its completion marker. */
export interface TaskResult {
  index: number;
  input: FileDigest;
  /** Output files, paths relative to the run folder. */
  outputs: FileDigest[];
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

/** Build the pipeline's steps from validated config. */
export function buildSteps(config: PipelineConfig): Step[] {
  return config.steps.map((stepConfig) => {
    const { step: kind, ...options } = stepConfig;
    return stepDefinition(kind).create(options);
  });
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

/**
 * Run the pipeline over one input file. Outputs are written under temporary names and renamed
 * into place only when the whole file has been read, so a task killed midway leaves nothing that
 * `--resume` could mistake for a result.
 */
export async function runTask(config: PipelineConfig, task: TaskInfo, hooks: TaskHooks = {}): Promise<TaskResult> {
  const started = performance.now();
  const layout = new RunLayout(config.output.path, config.output.format);
  const steps = buildSteps(config);
  const stats = emptyRunStats(steps);
  const kept = await openWriter(layout.documents(task.index), config.output.format);
  const removedWriters = new Map<string, DocumentWriter>();
  const logFile = layout.log(task.index);
  await mkdir(dirname(logFile), { recursive: true });
  await rm(logFile, { force: true });

  const writers = (): DocumentWriter[] => [kept, ...removedWriters.values()];
  try {
    for (const step of steps) await step.open?.(task);
    const format = config.input.format === 'auto' ? undefined : (config.input.format as InputFormat);
    let pendingDocs = 0;
    let pendingBytes = 0;
    const documents = openReader(task.inputFile, {
      fields: config.input.fields,
      onBadRecord(err) {
        if (config.on_error === 'fail') throw err;
        stats.reader.bad_records += 1;
        hooks.onBadRecord?.(err);
        appendFileSync(logFile, `${err.message}\n`);
      },
      onSkip: (reason) => addCount(stats.reader.skipped, reason),
      onProgress: (bytes) => {
        stats.reader.bytes += bytes;
        pendingBytes += bytes;
      },
    }, format);
    for await (const doc of documents) {
      if (hooks.signal?.aborted) throw new Error('interrupted');
      stats.reader.documents += 1;
      const removedBy = await applySteps(doc, steps, stats, config.output.removed ? removedWriters : undefined, layout, task.index);
      countOutcome(stats.by_language, languageOf(doc), doc.text.length, removedBy);
      countOutcome(stats.by_domain, domainOf(doc), doc.text.length, removedBy);
      if (removedBy === undefined) {
        stats.output.documents += 1;
        stats.output.chars += doc.text.length;
        await kept.write(doc);
      }
      if (++pendingDocs >= 256) {
        hooks.onProgress?.(pendingDocs, pendingBytes);
        pendingDocs = pendingBytes = 0;
      }
    }
    hooks.onProgress?.(pendingDocs, pendingBytes);
    for (const step of steps) await step.close?.();
  } catch (err) {
    await Promise.all(writers().map((w) => w.abort()));
    throw err;
  }

  const outputs: FileDigest[] = [];
  for (const writer of writers()) {
    const { path } = await writer.commit();
    const digest = await fileDigest(path);
    outputs.push({ ...digest, path: relative(layout.root, path) });
  }
  outputs.sort((a, b) => (a.path < b.path ? -1 : 1));
  const input = await fileDigest(task.inputFile);
  return { index: task.index, input, outputs, stats, seconds: (performance.now() - started) / 1000 };
}

/** Pass one document through the steps; returns `step/reason` when a step removed it. */
async function applySteps(
  doc: Document,
  steps: Step[],
  stats: RunStats,
  removedWriters: Map<string, DocumentWriter> | undefined,
  layout: RunLayout,
  index: number,
): Promise<string | undefined> {
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const counters = stats.steps[i]!;
    counters.in += 1;
    counters.chars_in += doc.text.length;
    const verdict = step.apply(doc, counters.extra);
    if (verdict.keep) {
      counters.kept += 1;
      if (verdict.modified) counters.modified += 1;
      continue;
    }
    addCount(counters.removed, verdict.reason);
    counters.chars_removed += doc.text.length;
    if (removedWriters) {
      let writer = removedWriters.get(step.name);
      if (!writer) {
        writer = await openWriter(layout.removed(step.name, index), layout.format);
        removedWriters.set(step.name, writer);
      }
      const removed = { step: step.name, reason: verdict.reason, ...(verdict.detail === undefined ? {} : { detail: verdict.detail }) };
      await writer.write({ ...doc, metadata: { ...doc.metadata, removed } });
    }
    return `${step.name}/${verdict.reason}`;
  }
  return undefined;
}

/** Run a task, then write its completion marker (atomically, after every output is in place). */
export async function runAndMark(config: PipelineConfig, task: TaskInfo, hooks: TaskHooks = {}): Promise<TaskResult> {
  const result = await runTask(config, task, hooks);
  const layout = new RunLayout(config.output.path, config.output.format);
  await writeFileAtomic(layout.marker(task.index), `${JSON.stringify(result, null, 1)}\n`);
  return result;
}
