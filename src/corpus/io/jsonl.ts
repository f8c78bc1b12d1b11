import { mkdir, rename } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { type Document, documentToJson } from '../document.js';
import { BadRecordError, errorMessage } from '../../util/errors.js';
import { temporaryPath } from '../../util/fs.js';
import { type ByteSink, type Compression, compressionOf, openCompressedOutput, readDecompressed } from './compression.js';
import { isPlainObject, recordToDocument } from './record.js';
import type { DocumentReader, DocumentWriter, ReaderOptions } from './types.js';

const NEWLINE = 0x0a;

/**
 * Documents of a JSON Lines file (`.jsonl`, `.jsonl.gz`, `.jsonl.zst`), one object per line,
 * streamed: memory holds one decompressed chunk (about 1 MiB) plus the longest line.
 * Blank lines are ignored but counted, so reported line numbers match an editor's.
 */
export const readJsonl: DocumentReader = async function* (file, options) {
  const parser = new LineParser(file, options);
  // Documents and bad records of one block, in line order: a throwing onBadRecord must stop the
  // reader after the documents before the bad line, not before the whole block.
  const parsed: Parsed[] = [];
  // Bytes after the last newline seen: the start of a line that a later chunk ends.
  let partial: Buffer[] = [];
  for await (const chunk of readDecompressed(file, compressionOf(file), options.onProgress)) {
    const lastNewline = chunk.lastIndexOf(NEWLINE);
    if (lastNewline < 0) {
      partial.push(chunk);
      continue;
    }
    const head = chunk.subarray(0, lastNewline + 1);
    const block = partial.length > 0 ? Buffer.concat([...partial, head]) : head;
    partial = lastNewline + 1 < chunk.length ? [chunk.subarray(lastNewline + 1)] : [];
    parser.parseBlock(block, parsed);
    yield* deliver(parsed, options);
    parsed.length = 0;
  }
  if (partial.length > 0) {
    parser.parseBlock(Buffer.concat(partial), parsed);
    yield* deliver(parsed, options);
  }
};

type Parsed = Document | BadRecordError;

function* deliver(parsed: Parsed[], options: ReaderOptions): Generator<Document> {
  for (const item of parsed) {
    if (item instanceof BadRecordError) options.onBadRecord(item);
    else yield item;
  }
}

/** Turns blocks of whole lines into documents, reporting malformed lines with their number. */
class LineParser {
  private readonly name: string;
  private readonly source: string;
  // fatal: invalid UTF-8 must be reported, not silently replaced by U+FFFD.
  // ignoreBOM: a BOM is only meaningful at the start of the file, handled in parseLine.
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private lineNumber = 0;

  constructor(
    private readonly file: string,
    private readonly options: ReaderOptions,
  ) {
    this.name = basename(file);
    this.source = options.source ?? this.name;
  }

  /** Parse `block` (whole lines, the last one possibly without its newline) into `out`. */
  parseBlock(block: Buffer, out: Parsed[]): void {
    let text: string | undefined;
    try {
      // Fast path: one decode for the whole block. UTF-8 never hides a 0x0A byte inside a
      // multi-byte character, so splitting the string on '\n' splits the bytes on newlines.
      text = this.decoder.decode(block);
    } catch {
      text = undefined;
    }
    if (text !== undefined) {
      for (let start = 0; start < text.length; ) {
        let end = text.indexOf('\n', start);
        if (end < 0) end = text.length;
        this.parseLine(text.slice(start, end), out);
        start = end + 1;
      }
      return;
    }
    // Some line in the block is not valid UTF-8: decode line by line to find which.
    for (let start = 0; start < block.length; ) {
      let end = block.indexOf(NEWLINE, start);
      if (end < 0) end = block.length;
      let line: string | undefined;
      try {
        line = this.decoder.decode(block.subarray(start, end));
      } catch {
        line = undefined;
      }
      if (line === undefined) {
        this.lineNumber++;
        out.push(this.bad('invalid UTF-8'));
      } else {
        this.parseLine(line, out);
      }
      start = end + 1;
    }
  }

  private parseLine(line: string, out: Parsed[]): void {
    this.lineNumber++;
    if (this.lineNumber === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.length === 0 || (line.charCodeAt(0) <= 0x20 && line.trim() === '')) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      out.push(this.bad(`invalid JSON: ${errorMessage(err)}`));
      return;
    }
    if (!isPlainObject(value)) {
      out.push(this.bad('not a JSON object'));
      return;
    }
    const mapped = recordToDocument(value, this.options.fields, `${this.name}/${this.lineNumber}`, this.source);
    out.push(mapped.ok ? mapped.doc : this.bad(mapped.reason));
  }

  private bad(reason: string): BadRecordError {
    return new BadRecordError(this.file, { line: this.lineNumber }, reason);
  }
}

/** Serialised lines are handed to the compressor in batches of about this many characters. */
const BATCH_CHARS = 1 << 20;

/** A JSON Lines writer; the compression follows the format (`jsonl`, `jsonl.gz`, `jsonl.zst`). */
export async function openJsonlWriter(path: string, compression: Compression): Promise<DocumentWriter> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = temporaryPath(path);
  return new JsonlWriter(path, tmp, await openCompressedOutput(tmp, compression));
}

class JsonlWriter implements DocumentWriter {
  private lines: string[] = [];
  private chars = 0;
  private documents = 0;
  private finished = false;

  constructor(
    private readonly path: string,
    private readonly tmp: string,
    private readonly sink: ByteSink,
  ) {}

  async write(doc: Document): Promise<void> {
    if (this.finished) throw new Error(`${this.path}: write after commit or abort`);
    const line = documentToJson(doc);
    this.lines.push(line);
    this.chars += line.length + 1;
    this.documents++;
    // Batches end at a point that depends only on the documents, so output bytes do too.
    if (this.chars >= BATCH_CHARS) await this.flush();
  }

  async commit(): Promise<{ path: string; bytes: number; documents: number }> {
    if (this.finished) throw new Error(`${this.path}: commit after commit or abort`);
    this.finished = true;
    try {
      await this.flush();
      const bytes = await this.sink.close();
      await rename(this.tmp, this.path);
      return { path: this.path, bytes, documents: this.documents };
    } catch (err) {
      await this.sink.destroy();
      throw err;
    }
  }

  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.sink.destroy();
  }

  private async flush(): Promise<void> {
    if (this.lines.length === 0) return;
    const bytes = Buffer.from(this.lines.join('\n') + '\n', 'utf8');
    this.lines = [];
    this.chars = 0;
    await this.sink.write(bytes);
  }
}
