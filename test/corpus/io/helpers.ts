import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Document } from '../../../src/corpus/document.js';
import { openReader, openWriter } from '../../../src/corpus/io/index.js';
import { DEFAULT_FIELDS, type FieldMap, type InputFormat, type OutputFormat } from '../../../src/corpus/io/types.js';
import type { BadRecordError } from '../../../src/util/errors.js';

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `apertus-${prefix}-`));
}

export interface ReadResult {
  docs: Document[];
  bad: BadRecordError[];
  skips: string[];
  progressBytes: number;
}

/** Read a whole file, collecting documents, bad records, skip reasons and progress. */
export async function readAll(
  file: string,
  options: { fields?: FieldMap; source?: string; format?: InputFormat } = {},
): Promise<ReadResult> {
  const result: ReadResult = { docs: [], bad: [], skips: [], progressBytes: 0 };
  const reader = openReader(
    file,
    {
      fields: options.fields ?? DEFAULT_FIELDS,
      source: options.source,
      onBadRecord: (err) => result.bad.push(err),
      onSkip: (reason) => result.skips.push(reason),
      onProgress: (bytes) => (result.progressBytes += bytes),
    },
    options.format,
  );
  for await (const doc of reader) result.docs.push(doc);
  return result;
}

/** Write documents with a fresh writer and commit. */
export async function writeAll(path: string, format: OutputFormat, docs: Iterable<Document>) {
  const writer = await openWriter(path, format);
  for (const doc of docs) await writer.write(doc);
  return writer.commit();
}

/** Text in many scripts, plus characters JSON and UTF-8 handle specially. */
export const MULTILINGUAL = [
  'Grüezi mitenand, ça va? Ærøskøbing',
  'Привет, мир! Ελληνικά κείμενα',
  '你好，世界。日本語のテキスト、한국어 문장',
  'مرحبا بالعالم — עברית',
  'नमस्ते दुनिया · தமிழ் · ไทย',
  'emoji 🦙🇨🇭 and combining é (e\u0301), tab\tquote" backslash\\ newline\nend',
];

/** Documents covering optional fields missing, empty and nested metadata, unicode. */
export function sampleDocuments(): Document[] {
  return MULTILINGUAL.map((text, i) => {
    const doc: Document = { id: `doc-${i}`, text, metadata: {} };
    if (i % 2 === 0) doc.url = `https://example.org/${i}?q=ü`;
    if (i % 3 === 0) doc.date = `2024-0${i + 1}-01T00:00:00Z`;
    if (i !== 4) doc.source = i === 5 ? 'crawl-é' : 'sample';
    if (i === 1) doc.metadata = { language: 'ru', score: 0.5, tags: ['a', 'ь'], nested: { deep: [1, null, true] } };
    if (i === 2) doc.metadata = { pii: { emails: 0 } };
    return doc;
  });
}
