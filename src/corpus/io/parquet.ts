import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { type AsyncBuffer, type FileMetaData, type RowGroup, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { ByteWriter, ParquetWriter, type ColumnSource, type SchemaElement } from 'hyparquet-writer';
import type { Document } from '../document.js';
import { BadRecordError, errorMessage } from '../../util/errors.js';
import { temporaryPath } from '../../util/fs.js';
import { FileReadError } from './compression.js';
import { isPlainObject, recordToDocument } from './record.js';
import type { DocumentReader, DocumentWriter } from './types.js';

/**
 * Documents of a Parquet file, read one row group at a time so that memory holds one row group,
 * never the whole file. Rows are mapped like JSONL records; a string `metadata` column holding
 * JSON objects (what our writer produces) is parsed back into the metadata object.
 * Bad records are reported with `{ row }`, the 0-based row index in the file.
 */
export const readParquet: DocumentReader = async function* (file, options) {
  const name = basename(file);
  const source = options.source ?? name;
  const handle = await open(file, 'r').catch((err: unknown) => {
    throw new FileReadError(`${file}: cannot open Parquet file: ${errorMessage(err)}`, { cause: err });
  });
  try {
    const buffer = await fileHandleBuffer(handle);
    const metadata = await parquetMetadataAsync(buffer).catch((err: unknown) => {
      throw new FileReadError(`${file}: not a readable Parquet file: ${errorMessage(err)}`, { cause: err });
    });
    let rowStart = 0;
    let bytesReported = 0;
    for (const [groupIndex, group] of metadata.row_groups.entries()) {
      const rowEnd = rowStart + Number(group.num_rows);
      const rows = await readRowGroup(file, buffer, metadata, groupIndex, rowStart, rowEnd);
      const groupBytes = compressedSize(group);
      options.onProgress?.(groupBytes);
      bytesReported += groupBytes;
      for (let i = 0; i < rows.length; i++) {
        const row = rowStart + i;
        const record = plainRecord(rows[i] as Record<string, unknown>);
        const mapped = recordToDocument(record, options.fields, `${name}/${row}`, source);
        if (mapped.ok) yield mapped.doc;
        else options.onBadRecord(new BadRecordError(file, { row }, mapped.reason));
      }
      rowStart = rowEnd;
    }
    // Footer and page indexes: report them too, so the total is the file size.
    if (buffer.byteLength > bytesReported) options.onProgress?.(buffer.byteLength - bytesReported);
  } finally {
    await handle.close();
  }
};

async function readRowGroup(
  file: string,
  buffer: AsyncBuffer,
  metadata: FileMetaData,
  groupIndex: number,
  rowStart: number,
  rowEnd: number,
): Promise<Record<string, unknown>[]> {
  try {
    return await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd, compressors });
  } catch (err) {
    throw new FileReadError(`${file}: cannot read Parquet row group ${groupIndex}: ${errorMessage(err)}`, { cause: err });
  }
}

/** hyparquet's AsyncBuffer over an open file: reads only the byte ranges it asks for. */
async function fileHandleBuffer(handle: FileHandle): Promise<AsyncBuffer> {
  const { size } = await handle.stat();
  return {
    byteLength: size,
    async slice(start: number, end: number = size): Promise<ArrayBuffer> {
      const out = new ArrayBuffer(Math.max(0, end - start));
      const view = new Uint8Array(out);
      for (let filled = 0; filled < view.length; ) {
        const { bytesRead } = await handle.read(view, filled, view.length - filled, start + filled);
        if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${start + filled}`);
        filled += bytesRead;
      }
      return out;
    },
  };
}

function compressedSize(group: RowGroup): number {
  if (group.total_compressed_size !== undefined) return Number(group.total_compressed_size);
  let bytes = 0;
  for (const column of group.columns) bytes += Number(column.meta_data?.total_compressed_size ?? 0n);
  return bytes;
}

/** A row with values that JSON can hold, and a JSON-encoded `metadata` string parsed back. */
function plainRecord(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(row)) {
    const value = row[key];
    out[key] = key === 'metadata' && typeof value === 'string' ? parseJsonObject(value) : plainValue(value);
  }
  return out;
}

function parseJsonObject(text: string): unknown {
  if (!text.startsWith('{')) return text;
  try {
    const value: unknown = JSON.parse(text);
    return isPlainObject(value) ? value : text;
  } catch {
    return text;
  }
}

/** INT64 comes back as bigint, timestamps as Date, binary as bytes: none of them is JSON. */
function plainValue(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(plainValue);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = plainValue(value[key]);
    return out;
  }
  return value;
}

/** Nullable string columns, in Document order; `metadata` holds the JSON-encoded metadata object. */
const COLUMNS = ['id', 'text', 'url', 'date', 'source', 'metadata'] as const;

const SCHEMA: SchemaElement[] = [
  { name: 'root', num_children: COLUMNS.length },
  ...COLUMNS.map(
    (name): SchemaElement => ({
      name,
      type: 'BYTE_ARRAY',
      converted_type: 'UTF8',
      repetition_type: name === 'id' || name === 'text' || name === 'metadata' ? 'REQUIRED' : 'OPTIONAL',
    }),
  ),
];

/**
 * A row group is written when it holds `rows` documents or `chars` characters of text, whichever
 * comes first: large enough for good compression, small enough that a reader holds one in memory.
 */
export interface RowGroupLimits {
  rows: number;
  chars: number;
}

const DEFAULT_ROW_GROUP: RowGroupLimits = { rows: 100_000, chars: 64 * 1024 * 1024 };

/** A Parquet writer (snappy-compressed pages, columns as in COLUMNS). */
export async function openParquetWriter(path: string, rowGroup = DEFAULT_ROW_GROUP): Promise<DocumentWriter> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = temporaryPath(path);
  return new DocumentParquetWriter(path, tmp, await open(tmp, 'w'), rowGroup);
}

class DocumentParquetWriter implements DocumentWriter {
  private readonly bytes = new ByteWriter();
  private readonly parquet: ParquetWriter;
  private rows: Document[] = [];
  private chars = 0;
  private documents = 0;
  private bytesWritten = 0;
  private finished = false;

  constructor(
    private readonly path: string,
    private readonly tmp: string,
    private readonly handle: FileHandle,
    private readonly rowGroup: RowGroupLimits,
  ) {
    // Fixed created_by and no key-value metadata: output bytes depend only on the documents.
    this.parquet = new ParquetWriter({ writer: this.bytes, schema: SCHEMA, codec: 'SNAPPY', createdBy: 'apertus-ts' });
  }

  async write(doc: Document): Promise<void> {
    if (this.finished) throw new Error(`${this.path}: write after commit or abort`);
    this.rows.push(doc);
    this.chars += doc.text.length;
    this.documents++;
    if (this.rows.length >= this.rowGroup.rows || this.chars >= this.rowGroup.chars) await this.writeRowGroup();
  }

  async commit(): Promise<{ path: string; bytes: number; documents: number }> {
    if (this.finished) throw new Error(`${this.path}: commit after commit or abort`);
    this.finished = true;
    try {
      await this.writeRowGroup();
      await this.parquet.finish();
      await this.flushBytes();
      await this.handle.close();
      await rename(this.tmp, this.path);
      return { path: this.path, bytes: this.bytesWritten, documents: this.documents };
    } catch (err) {
      await this.discard();
      throw err;
    }
  }

  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.discard();
  }

  private async writeRowGroup(): Promise<void> {
    if (this.rows.length === 0) return;
    const rows = this.rows;
    this.rows = [];
    this.chars = 0;
    const columnData: ColumnSource[] = [
      { name: 'id', data: rows.map((d) => d.id) },
      { name: 'text', data: rows.map((d) => d.text), statistics: false },
      { name: 'url', data: rows.map((d) => d.url ?? null) },
      { name: 'date', data: rows.map((d) => d.date ?? null) },
      { name: 'source', data: rows.map((d) => d.source ?? null) },
      { name: 'metadata', data: rows.map((d) => JSON.stringify(d.metadata)), statistics: false },
    ];
    await this.parquet.write({ columnData, rowGroupSize: rows.length });
    await this.flushBytes();
  }

  /** Move what the ByteWriter holds to the file, so memory holds at most one row group. */
  private async flushBytes(): Promise<void> {
    const chunk = this.bytes.getBytes();
    for (let done = 0; done < chunk.length; ) {
      const { bytesWritten } = await this.handle.write(chunk, done, chunk.length - done, this.bytesWritten);
      done += bytesWritten;
      this.bytesWritten += bytesWritten;
    }
    this.bytes.index = 0;
  }

  private async discard(): Promise<void> {
    await this.handle.close().catch(() => {});
    await rm(this.tmp, { force: true });
  }
}
