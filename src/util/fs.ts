import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The temporary name a file is written under before it is renamed into place.
 * It carries the pid so that two processes never share one, and ends in `.tmp`
 * so that readers and `--resume` can recognise and ignore leftovers.
 */
export function temporaryPath(path: string): string {
  return `${path}.${process.pid}.tmp`;
}

/** Write a whole file atomically: temporary name, then rename (`mode`: the new file's permissions). */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = temporaryPath(path);
  try {
    await writeFile(tmp, data, { mode: options.mode });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export interface FileDigest {
  path: string;
  bytes: number;
  sha256: string;
}

/** Size and SHA-256 of a file, streamed. */
export async function fileDigest(path: string): Promise<FileDigest> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { path, bytes, sha256: hash.digest('hex') };
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
