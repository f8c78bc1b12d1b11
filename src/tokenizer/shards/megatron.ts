/**
 * The Megatron-LM indexed dataset format (`MMapIndexedDataset`, read by Megatron-LM's
 * `megatron/core/datasets/indexed_dataset.py` and by nanotron): a `.bin` of tokens back to back
 * and an `.idx` that says where each sequence starts and which sequences make a document.
 *
 * `.idx`, all little-endian:
 *   9 bytes   magic `MMIDIDX\x00\x00`
 *   uint64    version, 1
 *   uint8     dtype code of the tokens in `.bin` (DTYPES below)
 *   uint64    sequence count n
 *   uint64    document index count d (documents + 1: the indices start with a 0)
 *   int32[n]  sequence lengths, in tokens
 *   int64[n]  sequence pointers, byte offsets into `.bin`
 *   int64[d]  document indices: document i is sequences [indices[i], indices[i+1])
 *   int8[n]   sequence modes, only in multimodal datasets (read and ignored here)
 */
import { endianness } from 'node:os';
import { UserError } from '../../util/errors.js';

export const INDEX_MAGIC = Buffer.from('MMIDIDX\x00\x00', 'latin1');
export const INDEX_VERSION = 1;
/** Magic, version, dtype code, sequence count, document index count. */
export const HEADER_BYTES = 9 + 8 + 1 + 8 + 8;

export type TokenDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'uint16';
export type TokenArray = Uint8Array | Int8Array | Int16Array | Int32Array | Uint16Array;

interface DtypeInfo {
  code: number;
  bytes: number;
  create(length: number): TokenArray;
}

/** Megatron's `DType` codes. int64 (5), float64 (6) and float32 (7) never hold token ids. */
export const DTYPES: Record<TokenDtype, DtypeInfo> = {
  uint8: { code: 1, bytes: 1, create: (n) => new Uint8Array(n) },
  int8: { code: 2, bytes: 1, create: (n) => new Int8Array(n) },
  int16: { code: 3, bytes: 2, create: (n) => new Int16Array(n) },
  int32: { code: 4, bytes: 4, create: (n) => new Int32Array(n) },
  uint16: { code: 8, bytes: 2, create: (n) => new Uint16Array(n) },
};

const UNSUPPORTED_CODES: Record<number, string> = { 5: 'int64', 6: 'float64', 7: 'float32' };

/** The dtype of a code, or an error naming the file. */
export function dtypeOfCode(code: number, file: string): TokenDtype {
  const found = (Object.keys(DTYPES) as TokenDtype[]).find((dtype) => DTYPES[dtype].code === code);
  if (found) return found;
  const name = UNSUPPORTED_CODES[code];
  throw new UserError(
    name
      ? `${file}: tokens of dtype ${name} (code ${code}) are not supported; token shards hold uint16 or int32`
      : `${file}: unknown dtype code ${code} (Megatron's codes are 1-8)`,
  );
}

/** Megatron's rule (`DType.optimal_dtype`): uint16 below 65,500 tokens, else int32. */
export function dtypeForVocab(vocabSize: number): 'uint16' | 'int32' {
  return vocabSize < 65_500 ? 'uint16' : 'int32';
}

export interface MegatronIndex {
  dtype: TokenDtype;
  /** Tokens per sequence. */
  sequenceLengths: Int32Array;
  /** Byte offset of each sequence in `.bin` (int64 on disk; exact as doubles below 2^53). */
  sequencePointers: Float64Array;
  /** documentIndices[0] = 0; document i is sequences [documentIndices[i], documentIndices[i + 1]). */
  documentIndices: Float64Array;
}

/** The paths of a dataset: `prefix.bin`, `prefix.idx`. A path ending in either is taken as its prefix. */
export function shardPaths(prefixOrPath: string): { prefix: string; bin: string; idx: string } {
  const prefix = prefixOrPath.replace(/\.(bin|idx)$/, '');
  return { prefix, bin: `${prefix}.bin`, idx: `${prefix}.idx` };
}

// Typed arrays share the host's byte order and the format is little-endian; every Node platform
// but s390x is, and there a silent misread would be worse than a clear refusal.
function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new UserError('Megatron token shards are little-endian; this host is big-endian');
}

/** Byte offsets of each sequence of a densely packed `.bin`. */
export function densePointers(lengths: Int32Array, dtype: TokenDtype): Float64Array {
  const pointers = new Float64Array(lengths.length);
  let offset = 0;
  for (let i = 0; i < lengths.length; i++) {
    pointers[i] = offset;
    offset += lengths[i]! * DTYPES[dtype].bytes;
  }
  return pointers;
}

/** int64 little-endian as two uint32 halves: no BigInt per element. */
function int64Bytes(values: Float64Array): Uint8Array {
  const halves = new Uint32Array(values.length * 2);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    halves[2 * i] = v % 2 ** 32;
    halves[2 * i + 1] = Math.floor(v / 2 ** 32);
  }
  return new Uint8Array(halves.buffer);
}

function readInt64s(buf: Buffer, offset: number, count: number, file: string, what: string): Float64Array {
  const halves = new Uint32Array(count * 2);
  new Uint8Array(halves.buffer).set(buf.subarray(offset, offset + 8 * count));
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const high = halves[2 * i + 1]!;
    // Negative, or past 2^53: no real dataset has offsets or counts like that.
    if (high >= 2 ** 21) throw new UserError(`${file}: ${what}[${i}] is negative or too large (corrupt index?)`);
    out[i] = high * 2 ** 32 + halves[2 * i]!;
  }
  return out;
}

/** The bytes of an `.idx` file. */
export function encodeIndex(index: MegatronIndex): Buffer {
  assertLittleEndian();
  const n = index.sequenceLengths.length;
  const d = index.documentIndices.length;
  const out = Buffer.alloc(HEADER_BYTES + 12 * n + 8 * d);
  INDEX_MAGIC.copy(out, 0);
  out.writeBigUInt64LE(BigInt(INDEX_VERSION), 9);
  out.writeUInt8(DTYPES[index.dtype].code, 17);
  out.writeBigUInt64LE(BigInt(n), 18);
  out.writeBigUInt64LE(BigInt(d), 26);
  let at = HEADER_BYTES;
  out.set(new Uint8Array(index.sequenceLengths.buffer, index.sequenceLengths.byteOffset, 4 * n), at);
  at += 4 * n;
  out.set(int64Bytes(index.sequencePointers), at);
  at += 8 * n;
  out.set(int64Bytes(index.documentIndices), at);
  return out;
}

/** Parse and check an `.idx` file's bytes; errors name `file` and say what is wrong. */
export function decodeIndex(buf: Buffer, file: string): MegatronIndex {
  assertLittleEndian();
  if (buf.length < HEADER_BYTES) throw new UserError(`${file}: ${buf.length} bytes, too short for a Megatron index (header is ${HEADER_BYTES})`);
  if (!buf.subarray(0, 9).equals(INDEX_MAGIC)) {
    throw new UserError(`${file}: not a Megatron MMapIndexedDataset index (magic ${JSON.stringify(buf.subarray(0, 9).toString('latin1'))}, expected "MMIDIDX\\0\\0")`);
  }
  const version = buf.readBigUInt64LE(9);
  if (version !== BigInt(INDEX_VERSION)) throw new UserError(`${file}: index version ${version}, only version 1 is known`);
  const dtype = dtypeOfCode(buf.readUInt8(17), file);
  const n = Number(buf.readBigUInt64LE(18));
  const d = Number(buf.readBigUInt64LE(26));
  const plain = HEADER_BYTES + 12 * n + 8 * d;
  // Multimodal datasets add one int8 mode per sequence after the document indices.
  if (buf.length !== plain && buf.length !== plain + n) {
    throw new UserError(`${file}: ${buf.length} bytes, but ${n} sequences and ${d} document indices need ${plain} (truncated or corrupt index)`);
  }
  if (d < 1) throw new UserError(`${file}: no document indices (a Megatron index has at least the leading 0)`);
  const sequenceLengths = new Int32Array(n);
  new Uint8Array(sequenceLengths.buffer).set(buf.subarray(HEADER_BYTES, HEADER_BYTES + 4 * n));
  const sequencePointers = readInt64s(buf, HEADER_BYTES + 4 * n, n, file, 'sequence_pointers');
  const documentIndices = readInt64s(buf, HEADER_BYTES + 12 * n, d, file, 'document_indices');
  checkIndex({ dtype, sequenceLengths, sequencePointers, documentIndices }, file);
  return { dtype, sequenceLengths, sequencePointers, documentIndices };
}

function checkIndex(index: MegatronIndex, file: string): void {
  const { sequenceLengths, documentIndices } = index;
  for (let i = 0; i < sequenceLengths.length; i++) {
    if (sequenceLengths[i]! < 0) throw new UserError(`${file}: sequence ${i} has negative length ${sequenceLengths[i]}`);
  }
  if (documentIndices[0] !== 0) throw new UserError(`${file}: document_indices must start at 0, got ${documentIndices[0]}`);
  for (let i = 1; i < documentIndices.length; i++) {
    if (documentIndices[i]! < documentIndices[i - 1]!) throw new UserError(`${file}: document_indices decrease at ${i}`);
  }
  const last = documentIndices[documentIndices.length - 1]!;
  if (last !== sequenceLengths.length) {
    throw new UserError(`${file}: the last document index is ${last}, expected the sequence count ${sequenceLengths.length}`);
  }
}

/** Check that every sequence lies inside a `.bin` of `binBytes` bytes. */
export function checkBinSize(index: MegatronIndex, binBytes: number, bin: string): void {
  const size = DTYPES[index.dtype].bytes;
  for (let i = 0; i < index.sequenceLengths.length; i++) {
    const end = index.sequencePointers[i]! + index.sequenceLengths[i]! * size;
    if (end > binBytes) {
      throw new UserError(`${bin}: ${binBytes} bytes, but sequence ${i} ends at byte ${end} (truncated, or .bin and .idx from different runs)`);
    }
  }
}
