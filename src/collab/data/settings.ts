/**
 * The paper's three settings (R10) on data that ships with the project (UDHR texts):
 *
 * - cross-silo: a 100-language identification task (hashed n-gram features of ~80-character
 *   UDHR segments, label = language). n clients in K clusters; every cluster sees the same
 *   languages but cluster c relabels y -> (y + 11 c) mod 100, so clusters disagree on labels and
 *   one shared model cannot fit them all. A cluster's training pool is split evenly among its
 *   clients.
 * - cross-device: the same task; K clusters with disjoint sets of classes (100 / K each), each
 *   cluster labelling its classes 0, 1, ... (as the authors' code does: y mod 10 on CIFAR-100), so
 *   one shared model cannot fit them all either; clusters of unequal sizes (80 clients: 6, 6, 7,
 *   7, 8, 8, 9, 9, 10, 10), a cluster's pool split evenly.
 * - languages: byte-level language models; each client one UDHR language with a few KB of text,
 *   clusters = language families.
 *
 * Test sets: a fixed quarter of each language's segments (classification) or the last quarter of
 * the client's text (language models), with the client's own labelling.
 */
import { mixSeed, shuffle, uniform } from '../random.js';
import type { ClientData, LabelledSet, ModelSpec } from '../tasks/index.js';
import { ngramFeatures, segments } from './features.js';
import { FAMILIES, udhrLanguages, udhrParagraphs } from './udhr.js';

export interface ClientSpec {
  name: string;
  cluster: number;
  data: ClientData;
}

export interface Setting {
  name: string;
  metric: 'accuracy' | 'perplexity';
  model: ModelSpec;
  clients: ClientSpec[];
  /** a label per cluster (e.g. the language family) */
  clusterNames: string[];
}

export interface ClassificationOptions {
  kind: 'cross_silo' | 'cross_device';
  clients: number;
  clusters: number;
  classes: number;
  features: number;
  /** share of each language's training segments used at all (data scarcity) */
  trainFraction: number;
  hidden: number;
  batch: number;
  seed: number;
  /** cluster sizes (cross-device); default: as equal as possible */
  clusterSizes?: number[];
  /**
   * what clients are evaluated on: the test set (default), or a validation set for choosing
   * hyperparameters: per language, as many rows as the test set has, from the training pool's rows
   * that no client trains on (disjoint from the test set and from every client's training data)
   */
  evaluateOn?: 'test' | 'validation';
  /** characters per segment (default 80) */
  segmentChars?: number;
  /**
   * subtract each feature's mean and divide by its standard deviation over the whole training pool
   * (fixed constants, as torchvision's Normalize with CIFAR-100's channel means in the authors'
   * code). Without it every feature is a positive log count: the inputs share one large mean
   * direction, the first layer's curvature along it is the same for every language, and gradients
   * of unrelated clients taken at a common point agree along it (default false)
   */
  standardize?: boolean;
}

export interface LanguageOptions {
  kind: 'languages';
  families: string[];
  perFamily: number;
  /** training bytes per client */
  trainBytes: number;
  testBytes: number;
  seqLen: number;
  batch: number;
  hidden?: number;
  layers?: number;
  seed: number;
  /** evaluate on the test text (the end of each language's text, default) or on a validation text: the testBytes right after the training text */
  evaluateOn?: 'test' | 'validation';
}

interface Corpus {
  /** per class: train-pool features [n, F] rows and test rows */
  train: Float32Array[];
  test: Float32Array[];
  F: number;
}

const corpusCache = new Map<string, Corpus>();

/**
 * Segments of `classes` UDHR languages as features; a quarter of each held out for testing.
 * `standardize`: per-feature mean and standard deviation of all training rows, applied to every row.
 */
export function languageCorpus(classes: number, F: number, seed: number, chars = 80, standardize = false): Corpus {
  const key = `${classes}/${F}/${seed}/${chars}/${standardize}`;
  const cached = corpusCache.get(key);
  if (cached) return cached;
  const corpus: Corpus = { train: [], test: [], F };
  udhrLanguages(classes).forEach((code, c) => {
    // The shuffle's seed keeps the 80-character default's segments as they were.
    const segs = shuffle(segments(udhrParagraphs(code), chars), uniform(mixSeed(seed, 17, c)));
    const rows = new Float32Array(segs.length * F);
    segs.forEach((s, k) => ngramFeatures(s, rows.subarray(k * F, (k + 1) * F)));
    const nTest = Math.floor(segs.length / 4);
    corpus.test.push(rows.slice(0, nTest * F));
    corpus.train.push(rows.slice(nTest * F));
  });
  if (standardize) standardizeCorpus(corpus);
  corpusCache.set(key, corpus);
  return corpus;
}

function standardizeCorpus(corpus: Corpus): void {
  const F = corpus.F;
  const sum = new Float64Array(F), sq = new Float64Array(F);
  let n = 0;
  for (const rows of corpus.train) {
    for (let o = 0; o < rows.length; o += F) {
      for (let f = 0; f < F; f++) {
        sum[f] += rows[o + f];
        sq[f] += rows[o + f] * rows[o + f];
      }
      n++;
    }
  }
  const mu = Array.from(sum, (s) => s / n);
  const inv = Array.from(sq, (q, f) => 1 / Math.sqrt(Math.max(q / n - mu[f] * mu[f], 1e-8)));
  for (const rows of [...corpus.train, ...corpus.test]) {
    for (let o = 0; o < rows.length; o += F) for (let f = 0; f < F; f++) rows[o + f] = (rows[o + f] - mu[f]) * inv[f];
  }
}

function labelled(parts: { rows: Float32Array; label: number }[], F: number): LabelledSet {
  const n = parts.reduce((s, p) => s + p.rows.length / F, 0);
  const x = new Float32Array(n * F), y = new Int32Array(n);
  let o = 0;
  for (const p of parts) {
    x.set(p.rows, o * F);
    y.fill(p.label, o, o + p.rows.length / F);
    o += p.rows.length / F;
  }
  return { x, y, features: F };
}

/** Sizes of K clusters over n clients: given, else as equal as possible. */
function sizesOf(o: ClassificationOptions): number[] {
  if (o.clusterSizes) return o.clusterSizes;
  return Array.from({ length: o.clusters }, (_, c) => Math.floor(o.clients / o.clusters) + (c < o.clients % o.clusters ? 1 : 0));
}

export function classificationSetting(o: ClassificationOptions): Setting {
  const corpus = languageCorpus(o.classes, o.features, o.seed, o.segmentChars, o.standardize);
  const F = o.features, K = o.classes;
  const sizes = sizesOf(o);
  if (sizes.reduce((a, b) => a + b, 0) !== o.clients) throw new Error(`cluster sizes ${sizes.join(', ')} do not add up to ${o.clients} clients`);
  const clients: ClientSpec[] = [];
  sizes.forEach((size, c) => {
    // Classes this cluster sees, and how it labels them.
    const classes = o.kind === 'cross_silo'
      ? [...Array(K).keys()]
      : [...Array(K).keys()].filter((y) => Math.floor((y * o.clusters) / K) === c);
    // Cross-device: the authors' code (personalized-vision-models/run.py, cluster_partition) maps
    // a cluster's classes to 0..K/clusters-1 (targets % 10), so clusters also disagree on labels.
    const label = (y: number) => (o.kind === 'cross_silo' ? (y + 11 * c) % K : classes.indexOf(y));
    const shards = Array.from({ length: size }, () => [] as { rows: Float32Array; label: number }[]);
    const validation: { rows: Float32Array; label: number }[] = [];
    for (const y of classes) {
      const pool = corpus.train[y];
      const rows = pool.length / F;
      const order = shuffle([...Array(rows).keys()], uniform(mixSeed(o.seed, 31, c, y)));
      const n = Math.max(size, Math.round(rows * o.trainFraction));
      order.slice(0, n).forEach((r, k) => shards[k % size].push({ rows: pool.subarray(r * F, (r + 1) * F), label: label(y) }));
      if (o.evaluateOn !== 'validation') continue;
      const held = order.slice(n, n + corpus.test[y].length / F);
      if (held.length === 0) throw new Error(`language ${y}: no training-pool rows left for a validation set (train_fraction ${o.trainFraction})`);
      const rowsOut = new Float32Array(held.length * F);
      held.forEach((r, k) => rowsOut.set(pool.subarray(r * F, (r + 1) * F), k * F));
      validation.push({ rows: rowsOut, label: label(y) });
    }
    const test = o.evaluateOn === 'validation' ? labelled(validation, F) : labelled(classes.map((y) => ({ rows: corpus.test[y], label: label(y) })), F);
    shards.forEach((parts, k) => {
      clients.push({ name: `c${c}-${k}`, cluster: c, data: { kind: 'classification', train: labelled(parts, F), test } });
    });
  });
  return {
    name: o.kind, metric: 'accuracy', clients,
    clusterNames: sizes.map((_, c) => `cluster ${c}`),
    // Cross-device: as many outputs as a cluster has labels.
    model: { kind: 'mlp', inputs: F, hidden: o.hidden, classes: o.kind === 'cross_silo' ? K : Math.ceil(K / o.clusters), batch: o.batch },
  };
}

export function languageSetting(o: LanguageOptions): Setting {
  const clients: ClientSpec[] = [];
  o.families.forEach((family, c) => {
    const codes = FAMILIES[family];
    if (!codes) throw new Error(`unknown language family "${family}"; known: ${Object.keys(FAMILIES).join(', ')}`);
    for (const code of codes.slice(0, o.perFamily)) {
      const bytes = new TextEncoder().encode(udhrParagraphs(code).join('\n'));
      const trainEnd = Math.min(o.trainBytes, bytes.length - o.testBytes);
      const train = bytes.slice(0, trainEnd);
      let test = bytes.slice(bytes.length - o.testBytes);
      if (o.evaluateOn === 'validation') {
        if (trainEnd + o.testBytes > bytes.length - o.testBytes) throw new Error(`${code}: ${bytes.length} bytes leave no room for a validation text of ${o.testBytes} bytes`);
        test = bytes.slice(trainEnd, trainEnd + o.testBytes);
      }
      clients.push({ name: code, cluster: c, data: { kind: 'text', train, test } });
    }
  });
  return {
    name: 'languages', metric: 'perplexity', clients, clusterNames: o.families,
    model: { kind: 'lm', preset: 'tiny', seqLen: o.seqLen, batch: o.batch, hidden: o.hidden, layers: o.layers },
  };
}

export function buildSetting(o: ClassificationOptions | LanguageOptions): Setting {
  return o.kind === 'languages' ? languageSetting(o) : classificationSetting(o);
}
