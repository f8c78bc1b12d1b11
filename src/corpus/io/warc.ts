import { basename } from 'node:path';
import { LimitReader, WARCParser, type WARCRecord } from 'warcio';
import type { Document } from '../document.js';
import { BadRecordError, errorMessage } from '../../util/errors.js';
import { FileReadError, compressionOf, readDecompressed } from './compression.js';
import { decodeHtml, extractMainText, isHtmlContentType, looksLikeHtml } from './html-text.js';
import type { DocumentReader, ReaderOptions } from './types.js';

/** Stable reasons passed to `onSkip` (counted by the pipeline, so they are data: do not reword). */
export const WARC_SKIP = {
  notResponse: 'warc_not_response',
  notHtml: 'warc_not_html',
  httpStatus: 'warc_http_status',
  noMainText: 'warc_no_main_text',
} as const;

/**
 * After this many malformed records in a row the parser has lost the record boundaries for good
 * (a wrong Content-Length shifts every later record); stop rather than report garbage forever.
 */
const MAX_CONSECUTIVE_BAD = 20;

const utf8 = new TextDecoder('utf-8');

/**
 * Documents of a WARC file (`.warc`, `.warc.gz`, WET `.warc.wet.gz` ...):
 * - `response` records with HTTP status 200 and an HTML body: the page's main text;
 * - `conversion` records (WET): their text as it is;
 * - anything else is skipped with a reason from WARC_SKIP.
 *
 * Gzip (per-record members or whole-file) is decompressed by zlib before warcio parses, so
 * `offset` in bad-record reports counts decompressed bytes.
 */
export const readWarc: DocumentReader = async function* (file, options) {
  const name = basename(file);
  const source = options.source ?? name;
  const input = readDecompressed(file, compressionOf(file), options.onProgress);
  const parser = new WARCParser(input);
  let consecutiveBad = 0;
  try {
    for (;;) {
      const record = await nextRecord(parser, file);
      if (!record) break;
      const offset = parser.offset;
      let doc: Document | undefined;
      try {
        doc = await recordToDocument(record, options, source, `${name}/${offset}`);
        consecutiveBad = 0;
      } catch (err) {
        if (!(err instanceof MalformedRecord)) throw err;
        options.onBadRecord(new BadRecordError(file, { offset }, err.message));
        if (++consecutiveBad >= MAX_CONSECUTIVE_BAD) {
          throw new FileReadError(`${file}: ${consecutiveBad} malformed WARC records in a row up to byte ${offset}; cannot find the next record`);
        }
      }
      if (doc) yield doc;
    }
  } finally {
    // warcio never finishes its source when the caller stops early: close the file here.
    await input.return(undefined);
  }
};

/** A record that is broken (not a reason to stop the file, unlike a read error). */
class MalformedRecord extends Error {}

async function nextRecord(parser: WARCParser, file: string): Promise<WARCRecord | null> {
  try {
    return await parser.parse();
  } catch (err) {
    if (err instanceof FileReadError) throw err;
    throw new FileReadError(`${file}: cannot parse WARC: ${errorMessage(err)}`, { cause: err });
  }
}

/** The document a record carries, undefined when it carries none (then onSkip has been told why). */
async function recordToDocument(
  record: WARCRecord,
  options: ReaderOptions,
  source: string,
  fallbackId: string,
): Promise<Document | undefined> {
  if (!record.warcHeaders.statusline.startsWith('WARC/')) {
    throw new MalformedRecord(`expected a WARC/1.x header line, found ${JSON.stringify(record.warcHeaders.statusline.slice(0, 40))}`);
  }
  const skip = (reason: string): undefined => {
    options.onSkip?.(reason);
    return undefined;
  };
  const type = record.warcType;
  let text: string;
  let contentType: string | undefined;
  let title: string | undefined;
  if (type === 'conversion') {
    contentType = record.warcContentType ?? undefined;
    text = utf8.decode(await readBody(record)).trim();
  } else if (type === 'response') {
    const http = record.httpHeaders;
    if (!http) throw new MalformedRecord('response record without HTTP headers');
    if (http.statusCode !== 200) return skip(WARC_SKIP.httpStatus);
    contentType = http.headers.get('content-type') ?? undefined;
    if (contentType !== undefined && !isHtmlContentType(contentType)) return skip(WARC_SKIP.notHtml);
    const body = await readBody(record);
    if (contentType === undefined && !looksLikeHtml(body)) return skip(WARC_SKIP.notHtml);
    const main = extractMainText(decodeHtml(body, contentType));
    text = main?.text ?? '';
    title = main?.title;
  } else {
    return skip(WARC_SKIP.notResponse);
  }
  if (!text) return skip(WARC_SKIP.noMainText);

  const metadata: Record<string, unknown> = { warc_type: type };
  if (contentType !== undefined) metadata.content_type = contentType;
  if (title !== undefined) metadata.title = title;
  const doc: Document = { id: recordId(record) ?? fallbackId, text, metadata };
  const url = record.warcTargetURI;
  if (url) doc.url = url;
  const date = record.warcDate;
  if (date) doc.date = date;
  doc.source = source;
  return doc;
}

/** The payload with transfer and content encodings (chunked, gzip ...) undone. */
async function readBody(record: WARCRecord): Promise<Uint8Array> {
  let body: Uint8Array;
  try {
    body = await record.readFully(true);
  } catch (err) {
    if (err instanceof FileReadError) throw err;
    throw new MalformedRecord(`cannot decode the record's payload: ${errorMessage(err)}`);
  }
  // The file ended before Content-Length bytes (an uncompressed WARC cut short).
  const raw = record._reader;
  if (raw instanceof LimitReader && raw.limit > 0) {
    throw new MalformedRecord(`record truncated: ${raw.limit} bytes of its Content-Length missing`);
  }
  return body;
}

/** WARC-Record-ID without its angle brackets (`urn:uuid:...`). */
function recordId(record: WARCRecord): string | undefined {
  const id = record.warcHeader('WARC-Record-ID')?.trim();
  if (!id) return undefined;
  return id.startsWith('<') && id.endsWith('>') ? id.slice(1, -1) : id;
}
