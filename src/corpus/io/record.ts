import type { Document } from '../document.js';
import type { FieldMap } from './types.js';

/** A record mapped to a document, or the reason it could not be (the record is then malformed). */
export type MappedRecord = { ok: true; doc: Document } | { ok: false; reason: string };

/**
 * Map one flat input record (a JSONL object, a Parquet row) to a Document.
 *
 * The fields named in `fields` become the document's fields; every other top-level field goes to
 * `metadata`, and a `metadata` object field is merged in last, so that what a writer put under
 * `metadata` comes back unchanged. A mapped field whose value is not a scalar is kept in metadata
 * under its own name rather than lost.
 *
 * @param fallbackId  id when the record has none (`file/line`, `file/row`)
 * @param defaultSource  source when the record has none (the file's base name or a label)
 */
export function recordToDocument(
  record: Record<string, unknown>,
  fields: FieldMap,
  fallbackId: string,
  defaultSource: string,
): MappedRecord {
  const text = record[fields.text];
  if (typeof text !== 'string') {
    const what = text === undefined ? 'missing' : `${describe(text)}, not a string`;
    return { ok: false, reason: `text field '${fields.text}' is ${what}` };
  }
  const extra: Record<string, unknown> = {};
  let hasExtra = false;
  let nested: Record<string, unknown> | undefined;
  for (const key of Object.keys(record)) {
    const value = record[key];
    const mapped = key === fields.id || key === fields.url || key === fields.date || key === fields.source;
    if (key === fields.text || (mapped && asScalarString(value) !== NOT_SCALAR)) continue;
    if (key === 'metadata' && !mapped && isPlainObject(value)) {
      nested = value;
    } else {
      setField(extra, key, value);
      hasExtra = true;
    }
  }

  // The common case (our own output) has only a metadata object: reuse it instead of copying.
  if (hasExtra && nested) for (const key of Object.keys(nested)) setField(extra, key, nested[key]);
  const doc: Document = { id: scalarField(record, fields.id) ?? fallbackId, text, metadata: hasExtra ? extra : (nested ?? {}) };
  const url = scalarField(record, fields.url);
  if (url !== undefined) doc.url = url;
  const date = scalarField(record, fields.date);
  if (date !== undefined) doc.date = date;
  doc.source = scalarField(record, fields.source) ?? defaultSource;
  return { ok: true, doc };
}

/** Marks a mapped field's value that is no scalar (an object, a list): it goes to metadata. */
const NOT_SCALAR = Symbol('not a scalar');

/** Strings as they are, numbers and booleans printed, dates in ISO 8601; undefined when absent. */
function asScalarString(value: unknown): string | undefined | typeof NOT_SCALAR {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
  return NOT_SCALAR;
}

function scalarField(record: Record<string, unknown>, key: string): string | undefined {
  const value = asScalarString(record[key]);
  return value === NOT_SCALAR ? undefined : value;
}

/** `target[key] = value`, except that a JSON key `__proto__` stays data instead of a prototype. */
function setField(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  const type = typeof value;
  return type === 'object' ? 'an object' : `a ${type}`;
}
