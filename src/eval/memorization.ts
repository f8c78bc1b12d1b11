/**
 * Memorization probes (R7): prompt the model with the first P tokens of each probe, let it
 * continue for S tokens, and compare with the probe's true next S tokens: exact match, ROUGE-L F1
 * and the longest common contiguous substring / S, on token ids. Greedy decoding and nucleus
 * sampling (T = 1, p = 0.9), several prefix lengths in one run, reported per repetition bucket
 * next to the unexposed control bucket (0).
 *
 * The prompt is the probe's first tokens as they sit at the start of a training document (no BOS:
 * `data tokenize` writes none), and generation never stops early: an EOS is just a wrong token.
 */
import { generate, type Apertus } from '../model/index.js';
import type { Probe } from './probes.js';
import { scoreContinuation, type ContinuationScore } from './rouge.js';

export const DECODINGS = ['greedy', 'nucleus'] as const;
export type Decoding = (typeof DECODINGS)[number];

export interface MemorizationOptions {
  /** prompt lengths P (default [32]) */
  prefixLengths?: number[];
  /** continuation length S (default 32) */
  suffixLength?: number;
  /** default ['greedy', 'nucleus'] */
  decodings?: Decoding[];
  /** nucleus sampling: temperature (1) and top-p (0.9) */
  temperature?: number;
  topP?: number;
  /** sampling seed; each probe draws from (seed, probe index) */
  seed?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface ProbeResult extends ContinuationScore {
  id: string;
  bucket: number;
  prefix: number;
  decoding: Decoding;
  generated: number[];
}

/** Means over the probes of one (prefix, decoding, bucket). */
export interface BucketScore {
  prefix: number;
  decoding: Decoding;
  bucket: number;
  probes: number;
  exact_match: number;
  rouge_l: number;
  lccs: number;
}

export interface MemorizationReport {
  settings: { prefix_lengths: number[]; suffix_length: number; decodings: Decoding[]; temperature: number; top_p: number; seed: number };
  /** probes shorter than P + S for some P, by that P */
  skipped: Record<string, number>;
  buckets: BucketScore[];
  probes: ProbeResult[];
}

export function evaluateMemorization(model: Apertus, probes: readonly Probe[], options: MemorizationOptions = {}): MemorizationReport {
  const prefixLengths = options.prefixLengths ?? [32];
  const S = options.suffixLength ?? 32;
  const decodings = options.decodings ?? [...DECODINGS];
  const temperature = options.temperature ?? 1;
  const topP = options.topP ?? 0.9;
  const seed = options.seed ?? 0;
  const settings = { prefix_lengths: prefixLengths, suffix_length: S, decodings, temperature, top_p: topP, seed };
  for (const P of prefixLengths) {
    if (P < 1) throw new Error(`evaluateMemorization: prefix length ${P} must be >= 1`);
    if (P + S > model.config.maxPositions) throw new Error(`evaluateMemorization: prefix ${P} + suffix ${S} exceeds the model's ${model.config.maxPositions} positions`);
  }
  const skipped: Record<string, number> = {};
  const jobs: { probe: number; P: number; decoding: Decoding }[] = [];
  for (const P of prefixLengths) {
    probes.forEach((p, probe) => {
      if (p.ids.length < P + S) skipped[P] = (skipped[P] ?? 0) + 1;
      else for (const decoding of decodings) jobs.push({ probe, P, decoding });
    });
  }
  const results: ProbeResult[] = [];
  for (const { probe, P, decoding } of jobs) {
    const p = probes[probe]!;
    const generated = generate(model, p.ids.slice(0, P), {
      maxNewTokens: S, stopIds: [], greedy: decoding === 'greedy', temperature, topP, seed: (seed * 1_000_003 + probe) >>> 0,
    });
    const reference = p.ids.slice(P, P + S);
    results.push({ id: p.id, bucket: p.bucket, prefix: P, decoding, ...scoreContinuation(reference, generated), generated: Array.from(generated) });
    options.onProgress?.(results.length, jobs.length);
  }
  return { settings, skipped, buckets: bucketScores(results), probes: results };
}

/** Means per (prefix, decoding, bucket), buckets ascending (the control, 0, first). */
export function bucketScores(results: readonly ProbeResult[]): BucketScore[] {
  const groups = new Map<string, ProbeResult[]>();
  for (const r of results) {
    const key = `${r.prefix}\t${r.decoding}\t${r.bucket}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(r);
  }
  const mean = (rs: ProbeResult[], f: (r: ProbeResult) => number) => rs.reduce((s, r) => s + f(r), 0) / rs.length;
  return [...groups.values()]
    .map((rs) => ({
      prefix: rs[0]!.prefix, decoding: rs[0]!.decoding, bucket: rs[0]!.bucket, probes: rs.length,
      exact_match: mean(rs, (r) => r.exact_match), rouge_l: mean(rs, (r) => r.rouge_l), lccs: mean(rs, (r) => r.lccs),
    }))
    .sort((a, b) => a.prefix - b.prefix || DECODINGS.indexOf(a.decoding) - DECODINGS.indexOf(b.decoding) || a.bucket - b.bucket);
}
