import { pathToFileURL } from 'node:url';
import { openReader } from '../corpus/io/index.js';
import type { FieldMap } from '../corpus/io/types.js';
import { UserError, type BadRecordError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { ShardWriter } from './shards/writer.js';
import type { TextTokenizer } from './types.js';

/** What every task of one run shares; plain data, so it crosses to worker threads. */
export interface TokenizeSettings {
  /** The tokenizer file, and the module whose `loadTokenizer(path)` reads it. */
  tokenizer: string;
  loader: string;
  /** Appended after each document, or undefined for none (`--no-eos`). */
  eosId: number | undefined;
  dtype: 'uint16' | 'int32';
  fields: FieldMap;
}

/** One input file, tokenized into one part shard; `marker` is written when the part is complete. */
export interface TokenizeTask {
  index: number;
  input: string;
  part: string;
  marker: string;
}

export interface LanguageCounts {
  documents: number;
  tokens: number;
}

/** A task's counters; the completion marker holds them so `--resume` can merge them later. */
export interface TaskStats {
  index: number;
  input: string;
  documents: number;
  tokens: number;
  /** Documents with empty text: not written (an EOS alone would be a document of nothing). */
  skipped_empty: number;
  bad_records: number;
  /** Records the reader skipped (WARC request records, pages with no main text), by reason. */
  skipped: Record<string, number>;
  by_language: Record<string, LanguageCounts>;
  seconds: number;
}

export interface TaskHooks {
  /** Documents read, raw input bytes consumed and tokens written since the last call. */
  onProgress?(documents: number, bytes: number, tokens: number): void;
  onBadRecord?(err: BadRecordError): void;
}

/** How often (in documents) progress is reported. */
const PROGRESS_EVERY = 256;

/**
 * Load a tokenizer through a loader module: the project's tokenizer.json reader by default; any
 * module exporting `loadTokenizer(path)` works (tests use a trivial one).
 */
export async function loadTextTokenizer(path: string, loader: string): Promise<TextTokenizer> {
  let module: { loadTokenizer?: unknown };
  try {
    // A plain path is taken as a file; import() wants a URL for it.
    const specifier = /^[a-z][a-z0-9+.-]*:/i.test(loader) ? loader : pathToFileURL(loader).href;
    module = (await import(specifier)) as { loadTokenizer?: unknown };
  } catch (err) {
    throw new UserError(`cannot load the tokenizer module ${loader}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof module.loadTokenizer !== 'function') throw new UserError(`${loader} exports no loadTokenizer(path) function`);
  const tokenizer = (await (module.loadTokenizer as (p: string) => Promise<TextTokenizer> | TextTokenizer)(path)) as TextTokenizer;
  if (typeof tokenizer?.encode !== 'function' || typeof tokenizer.vocabSize !== 'number') {
    throw new UserError(`${path}: the loader ${loader} did not return a tokenizer (encode, vocabSize)`);
  }
  return tokenizer;
}

function languageOf(metadata: Record<string, unknown>): string {
  const language = metadata.language;
  return typeof language === 'string' && language ? language : 'unknown';
}

/**
 * Tokenize one input file into the part shard `task.part`, one sequence per document with EOS
 * after each, in file order. The part and then the marker are renamed into place only at the end,
 * so a task killed midway leaves nothing that `--resume` would take for a result.
 */
export async function runTokenizeTask(task: TokenizeTask, settings: TokenizeSettings, tokenizer: TextTokenizer, hooks: TaskHooks = {}): Promise<TaskStats> {
  const started = performance.now();
  const stats: TaskStats = { index: task.index, input: task.input, documents: 0, tokens: 0, skipped_empty: 0, bad_records: 0, skipped: {}, by_language: {}, seconds: 0 };
  const writer = await ShardWriter.create(task.part, settings.dtype);
  let pending = { documents: 0, bytes: 0, tokens: 0 };
  try {
    const documents = openReader(task.input, {
      fields: settings.fields,
      onBadRecord(err) {
        stats.bad_records += 1;
        hooks.onBadRecord?.(err);
      },
      onSkip: (reason) => {
        stats.skipped[reason] = (stats.skipped[reason] ?? 0) + 1;
      },
      onProgress: (bytes) => {
        pending.bytes += bytes;
      },
    });
    for await (const doc of documents) {
      pending.documents += 1;
      if (doc.text.length === 0) {
        stats.skipped_empty += 1;
        continue;
      }
      const ids = tokenizer.encode(doc.text);
      if (settings.eosId !== undefined) ids.push(settings.eosId);
      await writer.addDocument(ids);
      stats.documents += 1;
      stats.tokens += ids.length;
      const language = (stats.by_language[languageOf(doc.metadata)] ??= { documents: 0, tokens: 0 });
      language.documents += 1;
      language.tokens += ids.length;
      pending.tokens += ids.length;
      if (pending.documents >= PROGRESS_EVERY) {
        hooks.onProgress?.(pending.documents, pending.bytes, pending.tokens);
        pending = { documents: 0, bytes: 0, tokens: 0 };
      }
    }
    hooks.onProgress?.(pending.documents, pending.bytes, pending.tokens);
    await writer.commit();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  stats.seconds = (performance.now() - started) / 1000;
  await writeFileAtomic(task.marker, `${JSON.stringify(stats, null, 1)}\n`);
  return stats;
}
