/**
 * Perplexity of a model on documents: token-level loss, perplexity and bits per byte, overall and
 * per language when the documents carry a language label.
 *
 * A document is scored as it was trained: on its own (attention never crosses documents), cut
 * into windows of at most `context` + 1 tokens that overlap by one token, so every token after
 * the first is predicted exactly once (a window restarts its context: no sliding window). The
 * first token has no prediction (no BOS: `data tokenize` writes none, and the trainer never
 * learns a document's first token).
 *
 *   loss           = total nats / tokens predicted
 *   perplexity     = exp(loss)
 *   bits per byte  = total nats / ln 2 / UTF-8 bytes of the tokens predicted (special tokens such
 *                    as </s> have no bytes), so it compares across tokenizers
 */
import type { Apertus } from '../model/index.js';
import { tokenLogProbs } from './loglikelihood.js';

export interface ScoredDocument {
  ids: ArrayLike<number>;
  language?: string;
}

export interface PerplexityScore {
  documents: number;
  tokens: number;
  bytes: number;
  loss: number;
  perplexity: number;
  bits_per_byte: number | null;
}

export interface PerplexityReport extends PerplexityScore {
  context: number;
  /** per language label (documents without one: "unknown"); absent when no document has a label */
  languages?: Record<string, PerplexityScore>;
}

export interface PerplexityOptions {
  /** tokens a window predicts (default: the model's maxPositions - 1) */
  context?: number;
  batchSize?: number;
  /** UTF-8 bytes of a token (0 for special tokens); without it, no bits per byte */
  tokenBytes?: (id: number) => number;
  /** windows scored at once (default 256): bounds memory on big inputs */
  chunk?: number;
  onProgress?: (documents: number, tokens: number) => void;
}

interface Totals {
  documents: number;
  tokens: number;
  bytes: number;
  nats: number;
}

function finish(t: Totals, withBytes: boolean): PerplexityScore {
  const loss = t.tokens > 0 ? t.nats / t.tokens : NaN;
  return {
    documents: t.documents, tokens: t.tokens, bytes: t.bytes, loss, perplexity: Math.exp(loss),
    bits_per_byte: withBytes && t.bytes > 0 ? t.nats / Math.LN2 / t.bytes : null,
  };
}

export async function evaluatePerplexity(model: Apertus, documents: AsyncIterable<ScoredDocument> | Iterable<ScoredDocument>,
  options: PerplexityOptions = {}): Promise<PerplexityReport> {
  const context = Math.min(options.context ?? model.config.maxPositions - 1, model.config.maxPositions - 1);
  const chunk = options.chunk ?? 256;
  const total: Totals = { documents: 0, tokens: 0, bytes: 0, nats: 0 };
  const byLanguage = new Map<string, Totals>();
  let labelled = false;
  let windows: { ids: ArrayLike<number>; language: string }[] = [];
  const flush = () => {
    const logProbs = tokenLogProbs(model, windows.map((w) => w.ids), { batchSize: options.batchSize });
    windows.forEach((w, i) => {
      const lang = byLanguage.get(w.language)!;
      let nats = 0, bytes = 0;
      for (const lp of logProbs[i]!) nats -= lp;
      if (options.tokenBytes) for (let t = 1; t < w.ids.length; t++) bytes += options.tokenBytes(w.ids[t]!);
      for (const totals of [total, lang]) {
        totals.nats += nats;
        totals.bytes += bytes;
        totals.tokens += w.ids.length - 1;
      }
    });
    windows = [];
    options.onProgress?.(total.documents, total.tokens);
  };
  for await (const doc of documents) {
    if (doc.ids.length < 2) continue;
    const language = doc.language ?? 'unknown';
    if (doc.language !== undefined) labelled = true;
    if (!byLanguage.has(language)) byLanguage.set(language, { documents: 0, tokens: 0, bytes: 0, nats: 0 });
    byLanguage.get(language)!.documents++;
    total.documents++;
    const ids = Array.from(doc.ids);
    for (let start = 0; start + 1 < ids.length; start += context) windows.push({ ids: ids.slice(start, start + context + 1), language });
    if (windows.length >= chunk) flush();
  }
  if (windows.length > 0) flush();
  const withBytes = options.tokenBytes !== undefined;
  const report: PerplexityReport = { context, ...finish(total, withBytes) };
  if (labelled) {
    report.languages = Object.fromEntries([...byLanguage.entries()].sort((a, b) => b[1].tokens - a[1].tokens).map(([l, t]) => [l, finish(t, withBytes)]));
  }
  return report;
}

/** UTF-8 byte length of each token id of a tokenizer, special tokens 0. */
export function tokenByteLengths(tokenizer: { vocabSize: number; decodeBytes(ids: ArrayLike<number>): Uint8Array; decode(ids: ArrayLike<number>, options?: { skipSpecial?: boolean }): string }): (id: number) => number {
  const lengths = new Int32Array(tokenizer.vocabSize);
  for (let id = 0; id < tokenizer.vocabSize; id++) {
    const bytes = tokenizer.decodeBytes([id]).length;
    const special = bytes > 0 && tokenizer.decode([id], { skipSpecial: true }) === '';
    lengths[id] = special ? 0 : bytes;
  }
  return (id) => (id >= 0 && id < lengths.length ? lengths[id]! : 0);
}
