/**
 * A client's data as one file (what `apertus collab partition` writes and `collab join --data`
 * reads), in the wire format (net/wire.ts): header {"kind": "classification", "features": F} with
 * arrays [train x, train y, test x, test y], or {"kind": "text"} with arrays [train bytes, test
 * bytes]; labels and bytes are small integers, exact in f32.
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/fs.js';
import { decodeMessage, encodeMessage } from '../net/wire.js';
import type { ClientData } from '../tasks/index.js';

export async function writeClientData(file: string, data: ClientData, meta: Record<string, unknown> = {}): Promise<void> {
  const body = data.kind === 'classification'
    ? encodeMessage({ ...meta, kind: data.kind, features: data.train.features },
      [data.train.x, Float32Array.from(data.train.y), data.test.x, Float32Array.from(data.test.y)])
    : encodeMessage({ ...meta, kind: data.kind }, [Float32Array.from(data.train), Float32Array.from(data.test)]);
  await writeFileAtomic(file, body);
}

export async function readClientData(file: string): Promise<ClientData> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    throw new UserError(`${file}: cannot read client data (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  const { meta, arrays } = decodeMessage(buf);
  if (meta.kind === 'classification') {
    const F = meta.features as number;
    const [tx, ty, vx, vy] = arrays;
    return { kind: 'classification', train: { x: tx, y: Int32Array.from(ty), features: F }, test: { x: vx, y: Int32Array.from(vy), features: F } };
  }
  if (meta.kind === 'text') return { kind: 'text', train: Uint8Array.from(arrays[0]), test: Uint8Array.from(arrays[1]) };
  throw new UserError(`${file}: unknown client data kind ${String(meta.kind)}`);
}
