import { basename } from 'node:path';
import { UserError } from '../../util/errors.js';
import type { Document } from '../document.js';
import { loadLanguageModel } from '../lid/fasttext.js';
import type { Scorer } from './scorer.js';

/**
 * The fastText-classifier scorer: a user's supervised fastText model (`.bin` or `.ftz`), the
 * probability of one label as the score. As in Apertus, a document is scored by chunks and
 * takes the highest chunk score, so one toxic paragraph in a long clean page still counts.
 * The model is read and run by corpus/lid (our fastText implementation, loaded once per thread
 * and file), the same code the `language` step uses.
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

/** `label` as the model spells it: as given, or with fastText's default `__label__` prefix. */
export function resolveLabel(label: string, labels: readonly string[], model: string): string {
  if (labels.includes(label)) return label;
  if (labels.includes(`__label__${label}`)) return `__label__${label}`;
  throw new UserError(`${model}: the model has no label ${label} (its labels: ${labels.join(', ')})`);
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
  const model = await loadLanguageModel(spec.model);
  const label = resolveLabel(spec.label, model.fileLabels, spec.model);
  const index = model.fileLabels.indexOf(label);
  const maxChars = spec.max_chunk_chars;
  return {
    name: `fasttext(model=${basename(spec.model)}, label=${label}, max_chunk_chars=${maxChars})`,
    score(doc: Document): number {
      let best = 0;
      // A chunk is at most maxChars long, so the classifier reads it whole (no sampling).
      for (const chunk of textChunks(doc.text, maxChars)) best = Math.max(best, model.probability(chunk, index, maxChars));
      return best;
    },
  };
}
