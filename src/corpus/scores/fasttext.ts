import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getFastTextClass, getFastTextModule } from 'fasttext.wasm.js';
import { UserError } from '../../util/errors.js';
import { exists } from '../../util/fs.js';
import type { Document } from '../document.js';
import type { Scorer } from './scorer.js';

/**
 * The fastText-classifier scorer: a user's supervised fastText model (`.bin` or `.ftz`), the
 * probability of one label as the score. As in Apertus, a document is scored by chunks and
 * takes the highest chunk score, so one toxic paragraph in a long clean page still counts.
 */

export interface FastTextScorerSpec {
  scorer: 'fasttext';
  /** Path of the model file. */
  model: string;
  /** The label whose probability is the score; `toxic` and `__label__toxic` are the same. */
  label: string;
  /** Longest chunk in characters (paragraphs and lines are packed up to this length). */
  max_chunk_chars: number;
}

export const DEFAULT_MAX_CHUNK_CHARS = 1000;

/** The parts of fasttext.wasm.js's model object used here (its own typings resolve to `any`). */
interface Vector<T> {
  size(): number;
  get(index: number): T;
  delete(): void;
}
interface ClassifierModel {
  predict(text: string, k: number, threshold: number): Vector<[number, string]>;
  getLabels(): [Vector<string>, Vector<number>];
}

/** One WASM instance per model file and process: only the first model loaded into an instance takes effect. */
const models = new Map<string, Promise<ClassifierModel>>();

export function loadClassifier(path: string): Promise<ClassifierModel> {
  const absolute = resolve(path);
  let model = models.get(absolute);
  if (!model) {
    model = loadFresh(absolute);
    models.set(absolute, model);
    // A failed load must not stay cached: the user may fix the file and retry in the same process.
    model.catch(() => models.delete(absolute));
  }
  return model;
}

async function loadFresh(path: string): Promise<ClassifierModel> {
  if (!(await exists(path))) throw new UserError(`${path}: fastText model file not found`);
  const FastText = await getFastTextClass({ getFastTextModule: () => getFastTextModule() });
  try {
    return (await new FastText().loadModel(pathToFileURL(path).href)) as ClassifierModel;
  } catch (err) {
    // The WASM build throws a bare number (a C++ exception pointer) for a malformed file.
    const why = err instanceof Error ? err.message : 'the WASM loader rejected it';
    throw new UserError(`${path}: not a fastText model file (${why})`);
  }
}

/** The model's labels, with their prefix (`__label__toxic`). */
export function classifierLabels(model: ClassifierModel): string[] {
  const [labels, counts] = model.getLabels();
  try {
    return Array.from({ length: labels.size() }, (_, i) => labels.get(i));
  } finally {
    labels.delete();
    counts.delete();
  }
}

/** `label` as the model spells it: as given, or with fastText's default `__label__` prefix. */
export function resolveLabel(label: string, labels: string[], model: string): string {
  if (labels.includes(label)) return label;
  if (labels.includes(`__label__${label}`)) return `__label__${label}`;
  const known = labels.length > 0 ? labels.join(', ') : 'none: is it a supervised model?';
  throw new UserError(`${model}: the model has no label ${label} (its labels: ${known})`);
}

/** Probability of `label` for one chunk of text (newlines already removed). */
export function labelProbability(model: ClassifierModel, text: string, label: string): number {
  // k = -1: all labels, so the wanted one is found even when it is not the most likely.
  const predictions = model.predict(text, -1, 0);
  try {
    for (let i = 0; i < predictions.size(); i++) {
      const [probability, name] = predictions.get(i);
      if (name === label) return Math.min(1, Math.max(0, probability));
    }
    return 0;
  } finally {
    predictions.delete();
  }
}

/**
 * Chunks of at most `maxChars` characters: lines packed together until a blank line (a paragraph
 * ends) or the limit; a longer line is cut at the last space before the limit. Newlines become
 * spaces, since fastText reads one line per prediction.
 */
export function textChunks(text: string, maxChars: number): string[] {
  const chunks: string[] = [];
  let current = '';
  const flush = () => {
    if (current.trim().length > 0) chunks.push(current.trim());
    current = '';
  };
  for (const line of text.split(/\r?\n/)) {
    if (line.trim().length === 0) {
      flush();
      continue;
    }
    for (const piece of cutLine(line, maxChars)) {
      if (current.length > 0 && current.length + 1 + piece.length > maxChars) flush();
      current = current.length > 0 ? `${current} ${piece}` : piece;
    }
  }
  flush();
  return chunks;
}

function* cutLine(line: string, maxChars: number): Generator<string> {
  let rest = line;
  while (rest.length > maxChars) {
    const space = rest.lastIndexOf(' ', maxChars);
    const at = space > maxChars / 2 ? space : maxChars;
    yield rest.slice(0, at);
    rest = rest.slice(at).trimStart();
  }
  if (rest.length > 0) yield rest;
}

export async function createFastTextScorer(spec: FastTextScorerSpec): Promise<Scorer> {
  const model = await loadClassifier(spec.model);
  const label = resolveLabel(spec.label, classifierLabels(model), spec.model);
  const maxChars = spec.max_chunk_chars;
  return {
    name: `fasttext(model=${basename(spec.model)}, label=${label}, max_chunk_chars=${maxChars})`,
    score(doc: Document): number {
      let best = 0;
      for (const chunk of textChunks(doc.text, maxChars)) {
        best = Math.max(best, labelProbability(model, chunk, label));
      }
      return best;
    },
  };
}
