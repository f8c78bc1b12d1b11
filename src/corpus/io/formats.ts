import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import type { Document } from '../document.js';
import { UserError } from '../../util/errors.js';
import { openJsonlWriter, readJsonl } from './jsonl.js';
import { openParquetWriter, readParquet } from './parquet.js';
import type { DocumentReader, DocumentWriter, InputFormat, OutputFormat, ReaderOptions } from './types.js';
import { readWarc } from './warc.js';

/** File name endings of each input format, matched case-insensitively. */
const INPUT_EXTENSIONS: readonly (readonly [string, InputFormat])[] = [
  // Dolma and others name JSON Lines files `.json.gz`; a plain `.json` is usually one document.
  ...['.jsonl', '.jsonl.gz', '.jsonl.zst', '.jsonl.zstd', '.ndjson', '.json.gz', '.json.zst'].map(
    (ext) => [ext, 'jsonl'] as const,
  ),
  ['.parquet', 'parquet'],
  // Covers `.warc.wet.gz` and `.wet.gz` (Common Crawl WET) too.
  ...['.warc', '.warc.gz', '.wet', '.wet.gz'].map((ext) => [ext, 'warc'] as const),
];

const READERS: Record<InputFormat, DocumentReader> = { jsonl: readJsonl, parquet: readParquet, warc: readWarc };

/** The input format of a file by its extension, or undefined when it has none we read. */
export function inputFormatOf(file: string): InputFormat | undefined {
  const lower = file.toLowerCase();
  return INPUT_EXTENSIONS.find(([ext]) => lower.endsWith(ext))?.[1];
}

/** The input format of a file by its extension; a UserError naming the file when unknown. */
export function detectInputFormat(file: string): InputFormat {
  const format = inputFormatOf(file);
  if (format) return format;
  const known = INPUT_EXTENSIONS.map(([ext]) => ext).join(', ');
  throw new UserError(`${file}: unknown input format; expected a file ending in one of ${known} (or set the format explicitly)`);
}

/** The reader of one input format. */
export function readerFor(format: InputFormat): DocumentReader {
  return READERS[format];
}

/** The documents of `file`, read as `format` (default: by its extension). */
export function openReader(file: string, options: ReaderOptions, format?: InputFormat): AsyncIterable<Document> {
  return READERS[format ?? detectInputFormat(file)](file, options);
}

/** The file name ending of an output format, with its dot: `.jsonl.zst`, `.parquet`. */
export function outputExtension(format: OutputFormat): string {
  return `.${format}`;
}

/** A writer of `format` onto `path` (the path is used as given, whatever its extension). */
export function openWriter(path: string, format: OutputFormat): Promise<DocumentWriter> {
  switch (format) {
    case 'jsonl':
      return openJsonlWriter(path, 'none');
    case 'jsonl.gz':
      return openJsonlWriter(path, 'gzip');
    case 'jsonl.zst':
      return openJsonlWriter(path, 'zstd');
    case 'parquet':
      return openParquetWriter(path);
  }
}

/**
 * The input files under `pathOrDir`, as sorted absolute paths: the path itself when it is a file,
 * else every file below the directory (recursively) with an input extension, leaving out hidden
 * files and folders and `*.tmp` leftovers of interrupted writes. `glob` (`*`, `**`, `?`, `{a,b}`)
 * filters by the path relative to the directory, or by base name when it has no `/`.
 */
export async function listInputFiles(pathOrDir: string, glob?: string): Promise<string[]> {
  const root = resolve(pathOrDir);
  const info = await stat(root).catch(() => undefined);
  if (!info) throw new UserError(`${pathOrDir}: no such file or directory`);
  if (!info.isDirectory()) return [root];
  const matcher = glob === undefined ? undefined : globToRegExp(glob);
  const files: string[] = [];
  for (const file of await walk(root)) {
    const name = basename(file);
    if (name.endsWith('.tmp') || inputFormatOf(name) === undefined) continue;
    const subject = glob?.includes('/') ? relative(root, file).split(sep).join('/') : name;
    if (matcher && !matcher.test(subject)) continue;
    files.push(file);
  }
  return files.sort();
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (entry.isFile() || entry.isSymbolicLink()) out.push(path);
  }
  return out;
}

/** A glob as a RegExp over `/`-separated paths: `**` crosses folders, `*` and `?` do not. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` also matches no folder at all.
      const slash = glob[i + 2] === '/';
      out += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '{') {
      braces++;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) out += '|';
    else out += c.replace(/[.+^$(){}|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}
