import { DenseMatrix, ProductQuantizer, QuantMatrix, type Matrix } from './matrix.js';

/**
 * Reads a fastText model file (.bin, or quantized .ftz; format versions 11-12) into typed arrays,
 * checking it whole on the way: a bad file gets a message that says what is wrong, never garbage
 * predictions (fastText itself reads a truncated file without complaint). Layout as written by
 * fastText's FastText::saveModel: magic, version, args, dictionary, input matrix, output matrix.
 */

const MAGIC = 793712314;
const SUPERVISED = 3;
const LABEL_ENTRY = 1;

/** fastText's loss kinds, as stored in the file. */
export const LOSS = { hs: 1, ns: 2, softmax: 3, ova: 4 } as const;

export interface FastTextModelData {
  version: number;
  dim: number;
  minn: number;
  maxn: number;
  wordNgrams: number;
  bucket: number;
  loss: number;
  /** Dictionary entries in file order: words first, then labels (each with fastText's prefix). */
  words: string[];
  nwords: number;
  labels: string[];
  /** How often each label occurred in training: the shape of the hierarchical-softmax tree. */
  labelCounts: number[];
  /** Hashed n-gram bucket -> row for models pruned by quantization; undefined when not pruned. */
  pruneIndex?: Map<number, number>;
  input: Matrix;
  output: Matrix;
}

/** Thrown with a message that says what is wrong with the file; the caller adds its name. */
export class ModelFileError extends Error {}

/**
 * Parses `bytes` as a fastText classifier. Float rows are viewed in place when 4-byte aligned.
 * When they are not, and the caller grants `spare` (up to 3) writable bytes after `bytes` in its
 * buffer, the rest of the file is moved up in place, so that a multi-GB model (GlotLID) is never
 * copied whole; otherwise the rows are copied.
 */
export function readFastTextModel(bytes: Uint8Array, spare = 0): FastTextModelData {
  let at = 0;
  let end = bytes.byteLength;
  if (bytes.byteOffset + end + spare > bytes.buffer.byteLength) throw new RangeError('spare bytes beyond the buffer');
  const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.buffer.byteLength - bytes.byteOffset);
  let u8 = bytes;
  const need = (n: number, what: string) => {
    if (n < 0 || at + n > end) throw new ModelFileError(`truncated: the file ends before its ${what} does (a partial download?)`);
  };
  const int32 = (what: string) => (need(4, what), (at += 4), data.getInt32(at - 4, true));
  const int64 = (what: string) => (need(8, what), (at += 8), Number(data.getBigInt64(at - 8, true)));
  const byte = (what: string) => (need(1, what), u8[at++]!);
  const floats = (count: number, what: string): Float32Array => {
    need(count * 4, what);
    const shift = (4 - ((bytes.byteOffset + at) % 4)) % 4;
    if (shift > 0 && spare >= shift) {
      u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, end + shift);
      u8.copyWithin(at + shift, at, end);
      at += shift;
      end += shift;
      spare -= shift;
    }
    const start = bytes.byteOffset + at;
    at += count * 4;
    if (start % 4 === 0) return new Float32Array(bytes.buffer, start, count);
    return new Float32Array(bytes.buffer.slice(start, start + count * 4));
  };

  if (end < 8 || data.getInt32(0, true) !== MAGIC) {
    throw new ModelFileError('not a fastText model file (it does not start with the fastText magic number)');
  }
  const version = data.getInt32(4, true);
  if (version < 11 || version > 12) throw new ModelFileError(`fastText model format version ${version} is not supported (11 and 12 are)`);
  at = 8;
  // Args: dim ws epoch minCount neg wordNgrams loss model bucket minn maxn lrUpdateRate (int32), t (double)
  const args = Array.from({ length: 12 }, () => int32('header'));
  need(8, 'header');
  at += 8;
  const [dim, , , , , wordNgrams, loss, model, bucket, minn] = args as [number, number, number, number, number, number, number, number, number, number];
  // Version 11 classifiers were trained without character n-grams.
  const maxn = version === 11 ? 0 : args[10]!;
  if (model !== SUPERVISED) {
    throw new ModelFileError('a word-vector model (cbow or skipgram), not a classifier: a supervised model is needed (such as lid.176, GlotLID or a toxicity classifier)');
  }
  if (!(loss >= LOSS.hs && loss <= LOSS.ova) || dim <= 0 || bucket < 0) throw new ModelFileError('its header is corrupt');

  const entries = int32('dictionary');
  const nwords = int32('dictionary');
  const nlabels = int32('dictionary');
  int64('dictionary'); // ntokens
  const pruned = int64('dictionary');
  const words: string[] = [];
  const labels: string[] = [];
  const labelCounts: number[] = [];
  const utf8 = new TextDecoder();
  for (let i = 0; i < entries; i++) {
    const nul = u8.indexOf(0, at);
    if (nul < 0 || nul >= end) need(end, 'dictionary');
    const word = utf8.decode(u8.subarray(at, nul));
    at = nul + 1;
    const count = int64('dictionary');
    const type = byte('dictionary');
    words.push(word);
    if (type === LABEL_ENTRY) {
      labels.push(word);
      labelCounts.push(count);
    }
  }
  if (labels.length === 0) throw new ModelFileError('no labels in its dictionary: not a classifier');
  if (labels.length !== nlabels || nwords + nlabels !== entries) throw new ModelFileError('its dictionary is corrupt');
  let pruneIndex: Map<number, number> | undefined;
  if (pruned >= 0) {
    pruneIndex = new Map();
    for (let i = 0; i < pruned; i++) pruneIndex.set(int32('dictionary'), int32('dictionary'));
  }

  const quantizedInput = byte('input matrix') !== 0;
  const input = quantizedInput ? quantMatrix() : denseMatrix('input matrix');
  const quantizedOutput = byte('output matrix') !== 0;
  const output = quantizedInput && quantizedOutput ? quantMatrix() : denseMatrix('output matrix');
  if (at !== end) throw new ModelFileError(`${end - at} unexpected bytes after the model's end: a corrupt file?`);
  // Every row a word or a hashed n-gram can point to must exist, or predictions would read past the end.
  let inputRows = nwords + bucket;
  if (pruneIndex) {
    inputRows = nwords;
    for (const row of pruneIndex.values()) inputRows = Math.max(inputRows, nwords + row + 1);
  }
  if (input.cols !== dim || output.cols !== dim || input.rows < inputRows || output.rows < (loss === LOSS.hs ? nlabels - 1 : nlabels)) {
    throw new ModelFileError('its matrices do not match its header and dictionary: a corrupt file?');
  }
  return { version, dim, minn, maxn, wordNgrams, bucket, loss, words, nwords, labels, labelCounts, pruneIndex, input, output };

  function denseMatrix(what: string): Matrix {
    const rows = int64(what);
    const cols = int64(what);
    return new DenseMatrix(rows, cols, floats(rows * cols, what));
  }

  function quantMatrix(): Matrix {
    const what = 'quantized matrix';
    const normalised = byte(what) !== 0;
    const rows = int64(what);
    const cols = int64(what);
    const codeCount = int32(what);
    need(codeCount, what);
    const codes = u8.subarray(at, (at += codeCount));
    const pq = productQuantizer();
    if (codes.length !== rows * pq.nsubq) throw new ModelFileError('its quantized codes do not match its matrix size: a corrupt file?');
    if (!normalised) return new QuantMatrix(rows, cols, codes, pq);
    need(rows, what);
    const normCodes = u8.subarray(at, (at += rows));
    return new QuantMatrix(rows, cols, codes, pq, { codes: normCodes, pq: productQuantizer() });
  }

  function productQuantizer(): ProductQuantizer {
    const what = 'product quantizer';
    const pqDim = int32(what);
    const nsubq = int32(what);
    const dsub = int32(what);
    const lastdsub = int32(what);
    if (pqDim <= 0 || nsubq <= 0 || dsub <= 0 || lastdsub <= 0) throw new ModelFileError('its product quantizer is corrupt');
    return new ProductQuantizer(nsubq, dsub, lastdsub, floats(pqDim * ProductQuantizer.CENTROIDS, what));
  }
}
