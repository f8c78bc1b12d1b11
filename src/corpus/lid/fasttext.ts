import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError, errorMessage } from '../../util/errors.js';
import { FastTextClassifier } from './classifier.js';
import { ModelFileError, readFastTextModel, type FastTextModelData } from './model-file.js';

/** fastText's `lid.176.ftz` (176 languages, the model FineWeb used), shipped inside `fasttext.wasm.js`. */
export const DEFAULT_LANGUAGE_MODEL = fileURLToPath(
  new URL('../models/language-identification/assets/lid.176.ftz', import.meta.resolve('fasttext.wasm.js')),
);

/**
 * How much of a document the classifier reads. Past this many characters the label no longer
 * changes while the cost grows with the length, so a longer text is sampled: four evenly spread
 * windows that together hold this many characters, so that a page whose language changes
 * halfway is still judged on all of it.
 */
export const DEFAULT_MAX_CHARS = 20_000;
const SAMPLE_WINDOWS = 4;

/** The label a text with nothing to read gets from the step and the CLI (BCP 47 "undetermined"). */
export const UNDETERMINED = 'und';

const LABEL_PREFIX = '__label__';
/** Spare bytes after a model file in memory: room to align its float rows in place (see readFastTextModel). */
const ALIGNMENT_ROOM = 3;

export interface LanguagePrediction {
  /** The model's own label without fastText's `__label__` prefix: `de` (lid.176), `deu_Latn` (GlotLID). */
  label: string;
  /** Probability in [0, 1]. */
  score: number;
}

/** A loaded fastText classifier: a language identifier, or any other (a toxicity classifier for scores/). */
export interface LanguageModel {
  /** Absolute path of the model file. */
  readonly path: string;
  /** Every label the model can give, without prefix, in the model's order. */
  readonly labels: readonly string[];
  /** The same labels as the model file spells them (`__label__de`). */
  readonly fileLabels: readonly string[];
  /**
   * The `k` most likely labels, best first; an empty list when `text` is empty or whitespace only.
   * Texts longer than `maxChars` are sampled (see DEFAULT_MAX_CHARS).
   */
  predict(text: string, k?: number, maxChars?: number): LanguagePrediction[];
  /**
   * The probability in [0, 1] of the label at `labelIndex` (of `labels`), as fastText gives it
   * when asked for all labels: 0 for empty or whitespace-only text, and for a label that
   * hierarchical softmax prunes as below 1e-5. Texts longer than `maxChars` are sampled.
   */
  probability(text: string, labelIndex: number, maxChars?: number): number;
}

// One loaded model per file per thread (each worker thread has its own module state).
const loaded = new Map<string, Promise<LanguageModel>>();

/**
 * Loads a fastText classifier (.bin or .ftz; default lid.176) once per thread and file. A file
 * that is missing or not a whole fastText classifier fails with a UserError that names it.
 */
export function loadLanguageModel(path: string = DEFAULT_LANGUAGE_MODEL): Promise<LanguageModel> {
  const file = resolve(path);
  let model = loaded.get(file);
  if (!model) {
    model = load(file);
    loaded.set(file, model);
    // A failed load is not cached: the user may fix the file and try again in the same process.
    model.catch(() => loaded.delete(file));
  }
  return model;
}

async function load(path: string): Promise<LanguageModel> {
  let bytes: Uint8Array;
  try {
    bytes = await readWhole(path, ALIGNMENT_ROOM);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`${path}: fastText model file not found`);
    throw new UserError(`${path}: cannot read the fastText model file (${errorMessage(err)})`);
  }
  let data: FastTextModelData;
  try {
    data = readFastTextModel(bytes, ALIGNMENT_ROOM);
  } catch (err) {
    if (err instanceof ModelFileError) throw new UserError(`${path}: ${err.message}`);
    throw err;
  }
  const classifier = new FastTextClassifier(data);
  const labels = data.labels.map((l) => (l.startsWith(LABEL_PREFIX) ? l.slice(LABEL_PREFIX.length) : l));
  // fastText reports p + 1e-5 (it computes exp(log(p + 1e-5))), so a certain label would read 1.00001.
  const capped = (probability: number) => Math.min(1, probability);
  return {
    path,
    labels,
    fileLabels: data.labels,
    predict(text: string, k = 1, maxChars = DEFAULT_MAX_CHARS): LanguagePrediction[] {
      const line = predictionText(text, maxChars);
      if (line === undefined) return [];
      return classifier.predict(line, Math.max(1, k)).map((p) => ({ label: labels[p.index]!, score: capped(p.probability) }));
    },
    probability(text: string, labelIndex: number, maxChars = DEFAULT_MAX_CHARS): number {
      if (!Number.isInteger(labelIndex) || labelIndex < 0 || labelIndex >= labels.length) {
        throw new RangeError(`label index ${labelIndex} is not one of the ${labels.length} labels of ${path}`);
      }
      const line = predictionText(text, maxChars);
      return line === undefined ? 0 : capped(classifier.probability(line, labelIndex));
    },
  };
}

/** The whole file, in a buffer with `room` spare bytes after it. */
async function readWhole(path: string, room: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const bytes = new Uint8Array(new ArrayBuffer(size + room), 0, size);
    let done = 0;
    while (done < size) {
      // One read is limited to 2 GB.
      const { bytesRead } = await handle.read(bytes, done, Math.min(size - done, 1 << 30), done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return bytes.subarray(0, done);
  } finally {
    await handle.close();
  }
}

/** Scores as the step and the CLI write them: 4 decimals, so the same input gives the same bytes. */
export function roundScore(score: number): number {
  return Math.round(score * 1e4) / 1e4;
}

/**
 * What fastText reads of `text`: one line (fastText stops at the first newline, so newlines become
 * spaces, as datatrove does), sampled when longer than `maxChars`; undefined when there is
 * nothing but whitespace.
 */
export function predictionText(text: string, maxChars: number = DEFAULT_MAX_CHARS): string | undefined {
  if (!/\S/.test(text)) return undefined;
  let sample = text;
  if (text.length > maxChars) {
    const width = Math.max(1, Math.floor(maxChars / SAMPLE_WINDOWS));
    const windows: string[] = [];
    for (let i = 0; i < SAMPLE_WINDOWS; i++) {
      const start = Math.floor((i * (text.length - width)) / (SAMPLE_WINDOWS - 1));
      windows.push(text.slice(start, start + width));
    }
    sample = windows.join(' ');
  }
  return sample.replaceAll('\n', ' ');
}
