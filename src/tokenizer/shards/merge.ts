import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UserError } from '../../util/errors.js';
import { temporaryPath } from '../../util/fs.js';
import { DTYPES, checkBinSize, decodeIndex, densePointers, encodeIndex, shardPaths, type MegatronIndex } from './megatron.js';
import type { ShardSummary } from './writer.js';

/**
 * Concatenate datasets, in the order given, into one at `outPrefix`, as Megatron-LM's
 * `tools/merge_datasets.py` does: sequences and documents of each part follow those of the part
 * before, so the result depends only on the parts and their order. All parts must share a dtype.
 * The output is written under temporary names and renamed into place (`.bin` first).
 */
export async function mergeShards(parts: string[], outPrefix: string): Promise<ShardSummary> {
  if (parts.length === 0) throw new UserError(`${outPrefix}: nothing to merge`);
  const indices: MegatronIndex[] = [];
  for (const part of parts) {
    const { idx } = shardPaths(part);
    const index = decodeIndex(await readFile(idx), idx);
    const first = indices[0];
    if (first && index.dtype !== first.dtype) {
      throw new UserError(`${idx}: dtype ${index.dtype}, but ${shardPaths(parts[0]!).idx} is ${first.dtype}; merged parts must share one`);
    }
    indices.push(index);
  }
  const dtype = indices[0]!.dtype;
  const { bin, idx } = shardPaths(outPrefix);
  await mkdir(dirname(bin), { recursive: true });
  const tmpBin = temporaryPath(bin);
  const tmpIdx = temporaryPath(idx);
  try {
    const out = await open(tmpBin, 'w');
    try {
      for (let p = 0; p < parts.length; p++) {
        // Copy only what the index covers, from a .bin that holds all of it.
        const partBin = shardPaths(parts[p]!).bin;
        checkBinSize(indices[p]!, (await stat(partBin)).size, partBin);
        const bytes = denseBytes(indices[p]!, partBin);
        if (bytes === 0) continue;
        for await (const chunk of createReadStream(partBin, { start: 0, end: bytes - 1, highWaterMark: 4 << 20 })) {
          await out.write(chunk as Buffer);
        }
      }
    } finally {
      await out.close();
    }
    const merged = concatIndices(indices);
    await writeFile(tmpIdx, encodeIndex(merged));
    await rename(tmpBin, bin);
    await rename(tmpIdx, idx);
    return { prefix: outPrefix, dtype, documents: merged.documentIndices.length - 1, tokens: merged.sequenceLengths.reduce((a, b) => a + b, 0) };
  } catch (err) {
    await rm(tmpBin, { force: true });
    await rm(tmpIdx, { force: true });
    throw err;
  }
}

/** The bytes of a part's `.bin` that its index covers; parts must be densely packed (ours are). */
function denseBytes(index: MegatronIndex, bin: string): number {
  const pointers = densePointers(index.sequenceLengths, index.dtype);
  for (let i = 0; i < pointers.length; i++) {
    if (pointers[i] !== index.sequencePointers[i]) throw new UserError(`${bin}: sequence ${i} does not follow the one before it; cannot merge it by concatenation`);
  }
  let tokens = 0;
  for (const length of index.sequenceLengths) tokens += length;
  return tokens * DTYPES[index.dtype].bytes;
}

function concatIndices(indices: MegatronIndex[]): MegatronIndex {
  let sequences = 0;
  let documents = 0;
  for (const index of indices) {
    sequences += index.sequenceLengths.length;
    documents += index.documentIndices.length - 1;
  }
  const sequenceLengths = new Int32Array(sequences);
  const documentIndices = new Float64Array(documents + 1);
  let s = 0;
  let d = 1;
  for (const index of indices) {
    sequenceLengths.set(index.sequenceLengths, s);
    for (let i = 1; i < index.documentIndices.length; i++) documentIndices[d++] = index.documentIndices[i]! + s;
    s += index.sequenceLengths.length;
  }
  const dtype = indices[0]!.dtype;
  return { dtype, sequenceLengths, sequencePointers: densePointers(sequenceLengths, dtype), documentIndices };
}
