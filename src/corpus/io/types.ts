import type { Document } from '../document.js';
import type { BadRecordError } from '../../util/errors.js';

export type InputFormat = 'jsonl' | 'parquet' | 'warc';
export type OutputFormat = 'jsonl' | 'jsonl.gz' | 'jsonl.zst' | 'parquet';

/** Which input field holds each document field (JSONL and Parquet). Other fields go to metadata. */
export interface FieldMap {
  id: string;
  text: string;
  url: string;
  date: string;
  source: string;
}

export const DEFAULT_FIELDS: FieldMap = { id: 'id', text: 'text', url: 'url', date: 'date', source: 'source' };

export interface ReaderOptions {
  fields: FieldMap;
  /**
   * Called for each malformed record (bad JSON, invalid UTF-8, broken WARC record). The reader
   * skips the record and goes on; if the callback throws, the reader stops with that error.
   */
  onBadRecord(err: BadRecordError): void;
  /** Called for records that are well formed but carry no document (a WARC request record, an
   *  HTML page with no main text), with a short stable reason. */
  onSkip?(reason: string): void;
  /** Called with the number of raw (compressed) input bytes consumed since the last call. */
  onProgress?(bytes: number): void;
  /** Label for `source` when the record has none: defaults to the file's base name. */
  source?: string;
}

/**
 * Documents of one input file, in file order. A file that cannot be read at all (missing,
 * truncated or corrupt compression, not a Parquet file) makes the iterator throw an Error whose
 * message names the file.
 */
export type DocumentReader = (file: string, options: ReaderOptions) => AsyncIterable<Document>;

/**
 * Writes documents to one output file atomically: everything goes to a temporary name
 * (util/fs.temporaryPath) and `commit` renames it into place. `abort` removes the temporary file.
 * Output bytes depend only on the documents written (no timestamps), so runs are reproducible.
 */
export interface DocumentWriter {
  write(doc: Document): Promise<void>;
  /** Finish, rename into place, and return the final path and bytes written. */
  commit(): Promise<{ path: string; bytes: number; documents: number }>;
  abort(): Promise<void>;
}
