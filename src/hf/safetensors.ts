/**
 * safetensors files: an 8-byte little-endian header length N, N bytes of JSON
 *   {"__metadata__": {string: string}, name: {"dtype", "shape", "data_offsets": [begin, end]}, ...}
 * padded with spaces to a multiple of 8 (as the Rust library writes it), then the tensors' bytes,
 * little-endian, offsets relative to the end of the header.
 *
 * Reading opens the file once and reads each tensor by its offsets, straight into the output
 * buffer for float32 (chunks for converted dtypes), so a checkpoint is never held twice.
 * Writing streams tensor by tensor; tensors are laid out by element size (largest first), then
 * name, so every tensor is aligned to its element size.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { DTYPE_SIZES, isDtype, narrowToBf16, widenBf16, widenF16, type SafetensorsDtype } from './dtypes.js';

export interface TensorInfo {
  dtype: SafetensorsDtype;
  shape: number[];
  /** byte range in the data section: [begin, end) */
  dataOffsets: [number, number];
}

/** A tensor to write: floats are converted to `dtype` (F32, F64, BF16); ints are written as given. */
export interface TensorEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: readonly number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
}

const MAX_HEADER_BYTES = 100_000_000; // the Rust library's limit
const CHUNK_ELEMENTS = 1 << 22; // conversions work in 4M-element pieces
const MAX_READ_BYTES = 1 << 30; // one fs read stays under Node's 2 GiB limit

function checkHost(): void {
  if (endianness() !== 'LE') throw new Error('safetensors: only little-endian hosts are supported');
}

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export class SafetensorsReader {
  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
    readonly tensors: ReadonlyMap<string, TensorInfo>,
    readonly metadata: Readonly<Record<string, string>>,
    /** file offset of the data section */
    readonly dataStart: number,
  ) {}

  static async open(path: string): Promise<SafetensorsReader> {
    checkHost();
    const file = await open(path, 'r');
    try {
      const { size } = await file.stat();
      const prefix = Buffer.alloc(8);
      if (size < 8 || (await file.read(prefix, 0, 8, 0)).bytesRead !== 8) throw new Error('shorter than the 8-byte header length');
      const headerBytes = Number(prefix.readBigUInt64LE(0));
      if (headerBytes > MAX_HEADER_BYTES || 8 + headerBytes > size) {
        throw new Error(`header length ${headerBytes} is impossible for a file of ${size} bytes`);
      }
      const header = Buffer.alloc(headerBytes);
      await file.read(header, 0, headerBytes, 8);
      const { tensors, metadata } = parseHeader(header.toString('utf8'), size - 8 - headerBytes);
      return new SafetensorsReader(path, file, tensors, metadata, 8 + headerBytes);
    } catch (err) {
      await file.close();
      throw new Error(`${path}: not a valid safetensors file: ${(err as Error).message}`);
    }
  }

  names(): string[] {
    return [...this.tensors.keys()];
  }

  info(name: string): TensorInfo {
    const info = this.tensors.get(name);
    if (!info) throw new Error(`${this.path}: no tensor named "${name}"`);
    return info;
  }

  /** The tensor's bytes, exactly as stored. */
  async readBytes(name: string): Promise<Uint8Array> {
    const { dataOffsets: [begin, end] } = this.info(name);
    const out = new Uint8Array(end - begin);
    await this.readInto(out, begin);
    return out;
  }

  /** A float tensor (F32, BF16, F16, F64) as float32 or float64 values. */
  async readFloats(name: string, dtype: 'float32' | 'float64' = 'float32'): Promise<Float32Array | Float64Array> {
    const info = this.info(name);
    const n = numel(info.shape);
    const out = dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
    const [begin] = info.dataOffsets;
    if ((info.dtype === 'F32' && out instanceof Float32Array) || (info.dtype === 'F64' && out instanceof Float64Array)) {
      await this.readInto(new Uint8Array(out.buffer), begin);
      return out;
    }
    if (!['F32', 'F64', 'BF16', 'F16'].includes(info.dtype)) {
      throw new Error(`${this.path}: tensor "${name}" is ${info.dtype}, not a float type`);
    }
    const size = DTYPE_SIZES[info.dtype];
    for (let start = 0; start < n; start += CHUNK_ELEMENTS) {
      const count = Math.min(CHUNK_ELEMENTS, n - start);
      const raw = new Uint8Array(count * size);
      await this.readInto(raw, begin + start * size);
      const part = out.subarray(start, start + count);
      if (info.dtype === 'BF16') widenBf16(part, new Uint16Array(raw.buffer));
      else if (info.dtype === 'F16') widenF16(part, new Uint16Array(raw.buffer));
      else part.set(info.dtype === 'F32' ? new Float32Array(raw.buffer) : new Float64Array(raw.buffer));
    }
    return out;
  }

  /** An integer tensor: I32 as Int32Array, I64 as BigInt64Array. */
  async readInts(name: string): Promise<Int32Array | BigInt64Array> {
    const info = this.info(name);
    const bytes = await this.readBytes(name);
    if (info.dtype === 'I32') return new Int32Array(bytes.buffer);
    if (info.dtype === 'I64') return new BigInt64Array(bytes.buffer);
    throw new Error(`${this.path}: tensor "${name}" is ${info.dtype}, not I32 or I64`);
  }

  async close(): Promise<void> {
    await this.file.close();
  }

  private async readInto(out: Uint8Array, offset: number): Promise<void> {
    for (let done = 0; done < out.length;) {
      const length = Math.min(MAX_READ_BYTES, out.length - done);
      const { bytesRead } = await this.file.read(out, done, length, this.dataStart + offset + done);
      if (bytesRead === 0) throw new Error(`${this.path}: file ends inside a tensor`);
      done += bytesRead;
    }
  }
}

/** Checks the header JSON against the data section's size: types, shapes, contiguous offsets. */
function parseHeader(text: string, dataBytes: number): { tensors: Map<string, TensorInfo>; metadata: Record<string, string> } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`header is not JSON (${(err as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('header is not a JSON object');
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = value as Record<string, string>;
      continue;
    }
    const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!isDtype(v.dtype)) throw new Error(`tensor "${name}": unknown dtype ${JSON.stringify(v.dtype)}`);
    const shape = v.shape, offsets = v.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`tensor "${name}": bad shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new Error(`tensor "${name}": bad data_offsets`);
    }
    const [begin, end] = offsets as [number, number];
    if (end - begin !== numel(shape) * DTYPE_SIZES[v.dtype]) {
      throw new Error(`tensor "${name}": ${end - begin} bytes for ${v.dtype} ${JSON.stringify(shape)}`);
    }
    tensors.set(name, { dtype: v.dtype, shape, dataOffsets: [begin, end] });
  }
  // offsets must tile the data section exactly, as the Rust library requires
  let at = 0;
  for (const [name, info] of [...tensors].sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0] || a[1].dataOffsets[1] - b[1].dataOffsets[1])) {
    if (info.dataOffsets[0] !== at) throw new Error(`tensor "${name}" starts at ${info.dataOffsets[0]}, expected ${at} (gap or overlap)`);
    at = info.dataOffsets[1];
  }
  if (at !== dataBytes) throw new Error(`tensors cover ${at} bytes of a ${dataBytes}-byte data section`);
  return { tensors, metadata };
}

/** Bytes the tensor takes in the file. */
export function entryBytes(entry: Pick<TensorEntry, 'dtype' | 'shape'>): number {
  return numel(entry.shape) * DTYPE_SIZES[entry.dtype];
}

/** Writes a safetensors file, streaming one tensor (or chunk) at a time. */
export async function writeSafetensors(path: string, entries: readonly TensorEntry[], metadata: Record<string, string> = {}): Promise<void> {
  checkHost();
  const ordered = [...entries].sort((a, b) => DTYPE_SIZES[b.dtype] - DTYPE_SIZES[a.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const e of ordered) {
    if (header[e.name] !== undefined || e.name === '__metadata__') throw new Error(`writeSafetensors: duplicate or reserved tensor name "${e.name}"`);
    if (e.data.length !== numel(e.shape)) throw new Error(`writeSafetensors: "${e.name}" has ${e.data.length} values for shape [${e.shape.join(',')}]`);
    const bytes = entryBytes(e);
    header[e.name] = { dtype: e.dtype, shape: [...e.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padding = (8 - (json.length % 8)) % 8;
  if (padding > 0) json = Buffer.concat([json, Buffer.alloc(padding, 0x20)]);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  const file = await open(path, 'w');
  try {
    await file.write(prefix);
    await file.write(json);
    for (const e of ordered) for (const chunk of encode(e)) await file.write(chunk);
  } finally {
    await file.close();
  }
}

/** The stored bytes of one entry, in chunks. */
function* encode(e: TensorEntry): Generator<Uint8Array> {
  const { data, dtype } = e;
  const same = (dtype === 'F32' && data instanceof Float32Array) || (dtype === 'F64' && data instanceof Float64Array) ||
    (dtype === 'I32' && data instanceof Int32Array) || (dtype === 'I64' && data instanceof BigInt64Array) ||
    ((dtype === 'U8' || dtype === 'BOOL') && data instanceof Uint8Array);
  if (same) {
    yield new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return;
  }
  if (data instanceof BigInt64Array || data instanceof Int32Array || data instanceof Uint8Array) {
    throw new Error(`writeSafetensors: "${e.name}": cannot write ${data.constructor.name} as ${dtype}`);
  }
  for (let start = 0; start < data.length; start += CHUNK_ELEMENTS) {
    const part = data.subarray(start, Math.min(data.length, start + CHUNK_ELEMENTS));
    if (dtype === 'BF16') {
      const bits = new Uint16Array(part.length);
      narrowToBf16(bits, part);
      yield new Uint8Array(bits.buffer);
    } else if (dtype === 'F32') yield new Uint8Array(Float32Array.from(part).buffer);
    else if (dtype === 'F64') yield new Uint8Array(Float64Array.from(part).buffer);
    else throw new Error(`writeSafetensors: "${e.name}": writing floats as ${dtype} is not supported (use F32, BF16 or F64)`);
  }
}
