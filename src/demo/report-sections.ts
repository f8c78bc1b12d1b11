/**
 * The demo report's sections, each built from the files a stage of the flow wrote (so the report
 * shows what the run did, not what the code meant to do): the corpus run's stats.json and audit,
 * training metrics.jsonl files, the experiments' results.json.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_FIELDS, listInputFiles, openReader } from '../corpus/io/index.js';
import { clusterMatrix, mean, type ComparisonResult } from '../collab/index.js';
import type { MemorizationReport } from '../eval/memorization.js';
import type { PerplexityReport } from '../eval/perplexity.js';
import { barChart, heatmap, lineChart } from '../report/charts.js';
import type { Block, Section } from '../report/html.js';

/** Goldfish's k in the demo (the paper's extreme setting). */
export const GOLDFISH_K = 4;

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
    ], { y: 'documents', stack: true });
  };
  const blocks: Block[] = [
    { kind: 'text', text: `The sample crawl (${stats.reader.documents} documents, ${(stats.reader.bytes / 1024).toFixed(0)} KiB of WARC) went through ` +
      `${stats.steps.length} steps; ${stats.output.documents} documents (${stats.output.chars.toLocaleString('en-US')} characters) were kept. ` +
      'Every removal is in the audit with the step, the rule and its detail; a few examples of each rule are below.' },
    { kind: 'chart', option: barChart('Documents removed per step and reason', stepNames,
      reasons.map((r) => ({ name: r, values: stats.steps.map((s) => s.removed[r] ?? null) })), { y: 'documents', stack: true }), height: 480 },
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

/** Memorization per repetition bucket, standard vs Goldfish vs unexposed control, and perplexity per language. */
export function memorizationSection(runs: { name: string; memorization: MemorizationReport; perplexity: PerplexityReport }[],
  injected: { buckets: Record<string, { probes: number; copies: number }>; tokens: number }, commands: string): Section {
  const prefix = Math.max(...runs[0]!.memorization.settings.prefix_lengths);
  const buckets = [...new Set(runs[0]!.memorization.buckets.map((b) => b.bucket))].sort((a, b) => a - b);
  const label = (b: number) => (b === 0 ? 'control (0)' : `${b} copies`);
  const score = (run: (typeof runs)[number], decoding: string, bucket: number, field: 'exact_match' | 'rouge_l') =>
    run.memorization.buckets.find((s) => s.prefix === prefix && s.decoding === decoding && s.bucket === bucket)?.[field] ?? null;
  const chart = (field: 'exact_match' | 'rouge_l', title: string) => barChart(title, buckets.map(label),
    runs.map((r) => ({ name: r.name, values: buckets.map((b) => score(r, 'greedy', b, field)) })), { x: 'copies of the probe in the training data', y: field, yMax: 1 });
  const languages = [...new Set(runs.flatMap((r) => Object.keys(r.perplexity.languages ?? {})))].sort();
  return {
    id: 'memorization', title: 'Memorization: standard loss vs Goldfish loss', blocks: [
      { kind: 'text', text: `UDHR passages were injected into the demo corpus (${injected.tokens.toLocaleString('en-US')} tokens in all) at ` +
        `${Object.keys(injected.buckets).length} repetition counts; the control bucket was never trained on. Two models were trained from ` +
        `the same seed on the same data, one with the standard loss and one with the Goldfish loss (k = ${GOLDFISH_K}). Each is prompted ` +
        `with the first ${prefix} tokens of every probe and continues for ${runs[0]!.memorization.settings.suffix_length} tokens; ` +
        'exact match means the whole continuation is the original, verbatim.' },
      { kind: 'chart', option: chart('exact_match', `Verbatim continuations (greedy, prefix ${prefix}) by repetition count`) },
      { kind: 'chart', option: chart('rouge_l', `ROUGE-L of the continuation (greedy, prefix ${prefix})`) },
      { kind: 'table', columns: ['run', 'decoding', ...buckets.map(label)], rows: runs.flatMap((r) => (['greedy', 'nucleus'] as const).map((d) =>
        [r.name, `${d} (exact / ROUGE-L)`, ...buckets.map((b) => `${(score(r, d, b, 'exact_match') ?? NaN).toFixed(2)} / ${(score(r, d, b, 'rouge_l') ?? NaN).toFixed(2)}`)])) },
      { kind: 'table', columns: ['run', 'perplexity (all)', 'bits per byte', ...languages], caption: 'Perplexity on the demo corpus, per language. ' +
        'This is the training text (the demo corpus is too small to hold out a language sample): the standard model has partly memorised it, the Goldfish model cannot, so the gap overstates what Goldfish costs on unseen text (the validation losses above are on held-out documents).',
        rows: runs.map((r) => [r.name, r.perplexity.perplexity, r.perplexity.bits_per_byte ?? NaN,
          ...languages.map((l) => r.perplexity.languages?.[l]?.perplexity ?? NaN)]) },
      { kind: 'code', text: commands, caption: 'Reproduce' },
    ],
  };
}

/** CoBo next to FedAvg and Local: W against the true clusters, per-client metrics. */
export function collabSection(result: ComparisonResult, commands: string): Section {
  const { summary, runs } = result;
  const labels = summary.client_names;
  const cobo = runs.find((r) => r.strategy === 'cobo');
  const last = cobo?.collaboration.at(-1);
  const blocks: Block[] = [
    { kind: 'text', text: `${labels.length} clients, each a small language model trained on one language's UDHR text; the true clusters are ` +
      `language families. CoBo learns the collaboration weights W from gradient agreement; Local trains alone, FedAvg averages everyone. ` +
      `Metric: ${summary.metric} on each client's held-out text (lower is better).` },
    { kind: 'chart', option: heatmap('True clusters (same family = 1)', clusterMatrix(summary.clusters), labels), height: 380 },
  ];
  if (last) blocks.push({ kind: 'chart', option: heatmap(`CoBo's W after ${last.round} rounds`, last.W, labels, { max: Math.max(1e-9, ...last.W.flat()) }), height: 380 });
  if (summary.w_recovery.length) blocks.push({ kind: 'chart', option: lineChart('AUC of W against the true clusters', [{ name: 'cobo', points: summary.w_recovery }], { x: 'round', y: 'ROC AUC' }), height: 280 });
  blocks.push(
    { kind: 'chart', option: lineChart(`Mean ${summary.metric} per strategy`, runs.map((r) => ({
      name: r.strategy, points: r.evals.map((e) => [e.round, mean(e.metric)] as [number, number]) })), { x: 'round', y: summary.metric }) },
    { kind: 'table', columns: ['strategy', `mean ${summary.metric}`, ...labels],
      rows: Object.entries(summary.strategies).map(([name, s]) => [name, s!.mean, ...s!.clients.map((c) => c)]) },
    { kind: 'code', text: commands, caption: 'Reproduce' },
  );
  return { id: 'collaboration', title: 'Collaborative learning: CoBo', blocks };
}
