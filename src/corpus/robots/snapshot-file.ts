/**
 * Writing a snapshot file from a hosts list: lines in hosts order, written under a `.partial`
 * name and renamed into place when complete, resumable after an interruption.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, stat, truncate, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BadRecordError, UserError, errorMessage } from '../../util/errors.js';
import { exists } from '../../util/fs.js';
import { fetchRobots, type FetchOptions } from './fetch.js';
import { readLines } from './lines.js';

/**
 * Hosts to fetch: one a line, `#` comments and blank lines skipped, lower-cased, duplicates
 * dropped (first kept). A line may be `host`, `host:port`, or a URL (its host is taken).
 */
export async function readHostsFile(path: string): Promise<string[]> {
  const hosts = new Set<string>();
  let line = 0;
  for await (const text of readLines(path)) {
    line++;
    const entry = text.replace(/#.*/, '').trim().toLowerCase();
    if (entry === '') continue;
    const host = hostOf(entry);
    if (host === undefined) throw new BadRecordError(path, { line }, `not a host, host:port or URL: ${JSON.stringify(entry)}`);
    hosts.add(host);
  }
  return [...hosts];
}

function hostOf(entry: string): string | undefined {
  try {
    if (entry.includes('://')) return new URL(entry).host || undefined;
    const url = new URL(`http://${entry}`);
    // Anything beyond an authority (a path, user info, a query) means this is not a host.
    const plain = url.pathname === '/' && !url.search && !url.hash && !url.username && !entry.includes('/');
    return plain ? entry : undefined;
  } catch {
    return undefined;
  }
}

export interface WriteSnapshotOptions extends FetchOptions {
  /** Continue a `.partial` file left by an interrupted run of the same hosts list. */
  resume?: boolean;
}

export interface WriteSnapshotResult {
  path: string;
  hosts: number;
  /** Hosts fetched by this run. */
  fetched: number;
  /** Hosts kept from an interrupted run. */
  resumed: number;
}

/** Where an unfinished snapshot grows; renamed to `path` once every host is in. */
export function partialPath(path: string): string {
  return `${path}.partial`;
}

/**
 * Fetch every host and write the snapshot at `path` (plain JSONL). Lines follow `hosts` order,
 * so the file only depends on what the servers answered. An interrupted run leaves
 * `path.partial` holding a prefix of complete lines; `resume: true` keeps it and fetches the rest.
 */
export async function writeSnapshot(
  path: string,
  hosts: readonly string[],
  options: WriteSnapshotOptions = {},
): Promise<WriteSnapshotResult> {
  if (!/\.jsonl$/i.test(path)) throw new UserError(`${path}: a snapshot is written as plain .jsonl (compress it afterwards if needed)`);
  const partial = partialPath(path);
  await mkdir(dirname(path), { recursive: true });
  const resumed = options.resume && (await exists(partial)) ? await keepCompletePrefix(partial, hosts) : 0;
  if (resumed === 0) await writeFile(partial, '');

  const remaining = hosts.slice(resumed);
  const onProgress = options.onProgress;
  const fetchOptions: FetchOptions = {
    ...options,
    onProgress: onProgress && ((p) => onProgress({ ...p, done: p.done + resumed, total: hosts.length })),
  };
  const out = createWriteStream(partial, { flags: 'a' });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => {}); // observed through the races below; never an unhandled rejection
  try {
    for await (const entry of fetchRobots(remaining, fetchOptions)) {
      if (!out.write(`${JSON.stringify(entry)}\n`)) await Promise.race([once(out, 'drain'), failed]);
    }
  } finally {
    out.end();
    await Promise.race([once(out, 'close'), failed]);
  }
  await rename(partial, path);
  return { path, hosts: hosts.length, fetched: remaining.length, resumed };
}

/**
 * Check that a partial snapshot is a prefix of `hosts` and cut off a line torn by the
 * interruption. Returns how many hosts it already holds.
 */
async function keepCompletePrefix(partial: string, hosts: readonly string[]): Promise<number> {
  const size = (await stat(partial)).size;
  let offset = 0; // bytes of complete lines so far
  let count = 0;
  for await (const line of readLines(partial)) {
    const end = offset + Buffer.byteLength(line) + 1;
    if (end > size) break; // the last line has no newline: torn
    let host: unknown;
    try {
      host = (JSON.parse(line) as { host?: unknown }).host;
    } catch (err) {
      throw new BadRecordError(partial, { line: count + 1 }, `${errorMessage(err)}; delete the file to start over`);
    }
    if (host !== hosts[count]) {
      throw new UserError(
        `${partial}: line ${count + 1} is for ${JSON.stringify(host)} but the hosts list has ${JSON.stringify(hosts[count])} there; ` +
          'it was made from another hosts list: delete it or run without resume',
      );
    }
    offset = end;
    count++;
  }
  await truncate(partial, offset);
  return count;
}
