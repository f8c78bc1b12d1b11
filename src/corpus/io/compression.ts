import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline, type Readable, type Transform, type Writable } from 'node:stream';
import { pipeline as pipelinePromise } from 'node:stream/promises';
import { constants as zlibConstants, createGunzip, createGzip } from 'node:zlib';
import { CompressStream, DecompressStream } from 'zstd-napi';
import { errorMessage } from '../../util/errors.js';

/** Whole-file compression of a text format, chosen by the file's last extension. */
export type Compression = 'none' | 'gzip' | 'zstd';

export function compressionOf(path: string): Compression {
  const lower = path.toLowerCase();
  if (lower.endsWith('.gz')) return 'gzip';
  if (lower.endsWith('.zst') || lower.endsWith('.zstd')) return 'zstd';
  return 'none';
}

/**
 * A file that cannot be read at all (missing, truncated or corrupt compression, not Parquet, WARC
 * records lost for good); the message starts with the file name. Readers of every format throw it.
 */
export class FileReadError extends Error {
  override readonly name = 'FileReadError';
}

/** Raw bytes read per chunk: large enough that per-chunk overheads vanish, small enough to stream. */
const READ_CHUNK = 1 << 20;

/**
 * The decompressed bytes of a file, chunk by chunk. `onProgress` gets the raw (compressed) bytes
 * read, so the sum over a whole file is its size. Any failure (missing file, truncated or corrupt
 * gzip/zstd data) is thrown as a FileReadError whose message starts with the file name.
 */
export async function* readDecompressed(
  file: string,
  compression: Compression,
  onProgress?: (bytes: number) => void,
): AsyncGenerator<Buffer> {
  const raw = createReadStream(file, { highWaterMark: READ_CHUNK });
  if (onProgress) raw.on('data', (chunk) => onProgress(chunk.length));
  const decompressor = createDecompressor(compression);
  // pipeline() destroys every stage when one fails, so an error reaches the loop below.
  const stream: Readable = decompressor ? pipeline(raw, decompressor, () => {}) : raw;
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (err) {
    throw new FileReadError(`${file}: cannot read ${describeCompression(compression)}: ${errorMessage(err)}`, { cause: err });
  } finally {
    raw.destroy();
    decompressor?.destroy();
  }
}

function createDecompressor(compression: Compression): Transform | undefined {
  switch (compression) {
    case 'none':
      return undefined;
    case 'gzip':
      // Z_SYNC_FLUSH as finishFlush would accept truncated input silently; the default rejects it.
      return createGunzip({ chunkSize: READ_CHUNK });
    case 'zstd':
      return new DecompressStream();
  }
}

function describeCompression(compression: Compression): string {
  if (compression === 'gzip') return 'gzip data (truncated or corrupt file?)';
  if (compression === 'zstd') return 'zstd data (truncated or corrupt file?)';
  return 'file';
}

/** A byte sink onto a (temporary) file, through a compressor when asked. */
export interface ByteSink {
  /** Resolves once the sink can take more (back-pressure). */
  write(chunk: Uint8Array): Promise<void>;
  /** Flush, close, and return the bytes written to the file. */
  close(): Promise<number>;
  /** Stop and delete the file. */
  destroy(): Promise<void>;
}

/**
 * Open `path` for writing, compressed as asked. Settings are fixed so that the same input bytes
 * give the same output bytes: gzip level 6 (Node writes mtime 0 and no file name in the header),
 * zstd level 3 single-threaded with a content checksum.
 */
export async function openCompressedOutput(path: string, compression: Compression): Promise<ByteSink> {
  const file = createWriteStream(path);
  // Fail here, not at the first write, when the file cannot be created.
  await once(file, 'open');
  const compressor = createCompressor(compression);
  const head: Writable = compressor ?? file;
  const done = compressor ? pipelinePromise(compressor, file) : once(file, 'close').then(() => undefined);
  // A failure is reported by write() or close(); until then keep it from being "unhandled".
  let failure: unknown;
  done.catch((err: unknown) => {
    failure = err;
  });

  return {
    async write(chunk) {
      if (failure) throw failure;
      if (!head.write(chunk)) await once(head, 'drain');
    },
    async close() {
      if (failure) throw failure;
      head.end();
      await done;
      if (failure) throw failure;
      return file.bytesWritten;
    },
    async destroy() {
      compressor?.destroy();
      file.destroy();
      await done.catch(() => {});
      await rm(path, { force: true });
    },
  };
}

function createCompressor(compression: Compression): Transform | undefined {
  switch (compression) {
    case 'none':
      return undefined;
    case 'gzip':
      return createGzip({ level: 6, memLevel: 8, strategy: zlibConstants.Z_DEFAULT_STRATEGY });
    case 'zstd':
      return new CompressStream({ compressionLevel: 3, nbWorkers: 0, checksumFlag: true });
  }
}
