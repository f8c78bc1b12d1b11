/**
 * The demo report's sections, each built from the files a stage of the flow wrote (so the report
 * shows what the run did, not what the code meant to do): the corpus run's stats.json and audit,
 * training metrics.jsonl files, the experiments' results.json.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_FIELDS, listInputFiles, openReader } from '../corpus/io/index.js';
import { barChart, lineChart } from '../report/charts.js';
import type { Block, Section } from '../report/html.js';

interface StepStats {
  name: string;
  kind: string;
  in: number;
  kept: number;
  modified: number;
  chars_in: number;
  chars_removed: number;
  removed: Record<string, number>;
}

interface GroupStats {
  documents: number;
  kept: number;
  chars: number;
  removed: Record<string, number>;
}

interface CorpusStats {
  reader: { documents: number; bytes: number };
  output: { documents: number; chars: number };
  steps: StepStats[];
  by_language: Record<string, GroupStats>;
  by_domain: Record<string, GroupStats>;
}

const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;

/** Up to `perReason` removed documents per step and reason, from the audit folder. */
async function removedExamples(corpusDir: string, perReason: number): Promise<{ label: string; text: string }[]> {
  const root = join(corpusDir, 'removed');
  if (!existsSync(root)) return [];
  const items: { label: string; text: string }[] = [];
  for (const step of (await readdir(root)).sort()) {
    const seen = new Map<string, number>();
    for (const file of await listInputFiles(join(root, step))) {
      for await (const doc of openReader(file, { fields: DEFAULT_FIELDS, onBadRecord: () => undefined })) {
        const removed = doc.metadata.removed as { reason?: string; detail?: string } | undefined;
        const reason = removed?.reason ?? 'unknown';
        if ((seen.get(reason) ?? 0) >= perReason) continue;
        seen.set(reason, (seen.get(reason) ?? 0) + 1);
        const text = doc.text.length > 600 ? `${doc.text.slice(0, 600)} ...` : doc.text;
        items.push({
          label: `${step}: ${reason}${removed?.detail ? ` (${removed.detail})` : ''}`,
          text: `${doc.url ?? doc.id}\n\n${text}`,
        });
      }
    }
  }
  return items;
}

/** Documents in, kept and removed per step and reason; per language and per domain; examples. */
export async function dataSection(corpusDir: string, commands: string): Promise<Section> {
  const stats = await readJson<CorpusStats>(join(corpusDir, 'stats.json'));
  const reasons = [...new Set(stats.steps.flatMap((s) => Object.keys(s.removed)))];
  const stepNames = stats.steps.map((s) => s.name);
  const groupChart = (title: string, groups: Record<string, GroupStats>) => {
    const names = Object.keys(groups).sort();
    return barChart(title, names, [
      { name: 'kept', values: names.map((n) => groups[n]!.kept) },
      { name: 'removed', values: names.map((n) => groups[n]!.documents - groups[n]!.kept) },
    ], { y: 'documents' });
  };
  const blocks: Block[] = [
    { kind: 'text', text: `The sample crawl (${stats.reader.documents} documents, ${(stats.reader.bytes / 1024).toFixed(0)} KiB of WARC) went through ` +
      `${stats.steps.length} steps; ${stats.output.documents} documents (${stats.output.chars.toLocaleString('en-US')} characters) were kept. ` +
      'Every removal is in the audit with the step, the rule and its detail; a few examples of each rule are below.' },
    { kind: 'chart', option: barChart('Documents removed per step and reason', stepNames,
      reasons.map((r) => ({ name: r, values: stats.steps.map((s) => s.removed[r] ?? null) })), { y: 'documents' }), height: 420 },
    { kind: 'table', columns: ['step', 'documents in', 'kept', 'removed', 'modified', 'characters removed', 'reasons'],
      rows: stats.steps.map((s) => [s.name, s.in, s.kept, s.in - s.kept, s.modified, s.chars_removed,
        Object.entries(s.removed).map(([r, n]) => `${r} ${n}`).join(', ') || '-']) },
    { kind: 'chart', option: groupChart('Documents per language', stats.by_language) },
    { kind: 'chart', option: groupChart('Documents per domain', stats.by_domain), height: 420 },
    { kind: 'examples', items: await removedExamples(corpusDir, 2), caption: 'Removed documents, two per rule (click to open)' },
    { kind: 'code', text: commands, caption: 'Reproduce' },
  ];
  return { id: 'data', title: 'Data: the compliance pipeline', blocks };
}

export interface MetricsLine {
  step: number;
  loss?: number;
  lr?: number;
  tokens_per_s?: number;
  goldfish_rate?: number;
  val_loss?: number;
}

export async function readMetrics(file: string): Promise<MetricsLine[]> {
  return (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as MetricsLine);
}

/** Loss and learning-rate curves and throughput of one or more training runs (name -> run dir). */
export async function trainingSection(runs: Record<string, string>, commands: string, notes: string): Promise<Section> {
  const metrics = Object.fromEntries(await Promise.all(Object.entries(runs).map(async ([name, dir]) =>
    [name, await readMetrics(join(dir, 'metrics.jsonl'))] as const)));
  const series = (field: keyof MetricsLine) => Object.entries(metrics).map(([name, lines]) => ({
    name, points: lines.filter((l) => l[field] !== undefined).map((l) => [l.step, l[field]!] as [number, number]),
  }));
  const rows = Object.entries(metrics).map(([name, lines]) => {
    const steps = lines.filter((l) => l.loss !== undefined);
    const evals = lines.filter((l) => l.val_loss !== undefined);
    const speed = steps.slice(1).reduce((s, l) => s + (l.tokens_per_s ?? 0), 0) / Math.max(1, steps.length - 1);
    const goldfish = steps.reduce((s, l) => s + (l.goldfish_rate ?? 0), 0) / Math.max(1, steps.length);
    return [name, steps.length, steps.at(-1)?.loss ?? NaN, evals.at(-1)?.val_loss ?? NaN, Math.round(speed), `${(goldfish * 100).toFixed(1)}%`];
  });
  return {
    id: 'training', title: 'Training', blocks: [
      { kind: 'text', text: notes },
      { kind: 'chart', option: lineChart('Training loss', series('loss'), { x: 'step', y: 'loss' }) },
      { kind: 'chart', option: lineChart('Validation loss', series('val_loss'), { x: 'step', y: 'loss' }), height: 300 },
      { kind: 'chart', option: lineChart('Learning rate (WSD)', series('lr'), { x: 'step', y: 'lr' }), height: 260 },
      { kind: 'table', columns: ['run', 'steps', 'final loss', 'validation loss', 'tokens/s', 'Goldfish drop rate'], rows },
      { kind: 'code', text: commands, caption: 'Reproduce' },
    ],
  };
}
