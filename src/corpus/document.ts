/**
 * The record that flows through every pipeline step.
 *
 * `metadata` is free-form; steps add their labels there (`language`, `pii`, ...).
 * The field order here is the order in which writers serialise a document, so that
 * the same documents always give the same bytes.
 */
export interface Document {
  id: string;
  text: string;
  url?: string;
  /** ISO 8601 date of the crawl or publication, as the source gives it. */
  date?: string;
  /** Where the document came from: a file name, a crawl name, a dataset. */
  source?: string;
  metadata: Record<string, unknown>;
}

/** Serialise a document with a fixed key order (id, text, url, date, source, metadata). */
export function documentToJson(doc: Document): string {
  const out: Record<string, unknown> = { id: doc.id, text: doc.text };
  if (doc.url !== undefined) out.url = doc.url;
  if (doc.date !== undefined) out.date = doc.date;
  if (doc.source !== undefined) out.source = doc.source;
  out.metadata = doc.metadata;
  return JSON.stringify(out);
}

/** The host of a document's URL, lower-cased, or undefined when it has none or it does not parse. */
export function documentHost(doc: Document): string | undefined {
  if (!doc.url) return undefined;
  try {
    return new URL(doc.url).hostname.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}
