/**
 * Training texts from files: the pipeline's document files (JSONL/.gz/.zst, Parquet, WARC/WET)
 * through the corpus readers, one text per document, and plain text files (`.txt`, `.txt.gz`,
 * `.txt.zst`) one line at a time with its line ending kept, as `tokenizers`' `train(files)` reads
 * them: newline tokens get learned, and a huge file never has to fit in one string.
 */
import { compressionOf, readDecompressed } from '../corpus/io/compression.js';
import { DEFAULT_FIELDS, inputFormatOf, openReader } from '../corpus/io/index.js';
import { UserError, type BadRecordError } from '../util/errors.js';

export interface TextFileOptions {
  /** Field holding the text in JSONL and Parquet records. Default `text`. */
  field?: string;
  /** Raw (compressed) bytes read since the last call: sums to the size of each file. */
  onBytes?(bytes: number): void;
  /** Called after the last text of each file. */
  onFileDone?(path: string): void;
  /** A malformed record (bad JSON, no text field...) is skipped after this call; by default it is thrown. */
  onBadRecord?(err: BadRecordError): void;
}

/** Whether `path` is read as plain text lines. */
export function isPlainTextFile(path: string): boolean {
  return /\.txt(\.gz|\.zstd?)?$/i.test(path);
}

/** The texts of `paths`, file after file, in file order. */
export async function* textsFromFiles(paths: string[], options: TextFileOptions = {}): AsyncGenerator<string> {
  for (const path of paths) {
    if (isPlainTextFile(path)) {
      yield* linesOf(path, options.onBytes);
    } else if (inputFormatOf(path) !== undefined) {
      const reader = openReader(path, {
        fields: { ...DEFAULT_FIELDS, text: options.field ?? 'text' },
        onBadRecord: options.onBadRecord ?? throwError,
        onProgress: options.onBytes,
      });
      for await (const doc of reader) yield doc.text;
    } else {
      throw new UserError(`${path}: not a training input; expected plain text (.txt, .txt.gz, .txt.zst) or a document file (.jsonl, .jsonl.gz, .jsonl.zst, .parquet, .warc.gz ...)`);
    }
    options.onFileDone?.(path);
  }
}

function throwError(err: BadRecordError): never {
  throw err;
}

/** Lines of a (compressed) text file, each with its `\n` (or `\r\n`); invalid UTF-8 becomes U+FFFD. */
async function* linesOf(path: string, onBytes?: (bytes: number) => void): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  for await (const chunk of readDecompressed(path, compressionOf(path), onBytes)) {
    const text = rest + decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      yield text.slice(start, nl + 1);
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.decode();
  if (rest.length > 0) yield rest;
}
