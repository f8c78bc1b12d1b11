/**
 * The id tables a `Tokenizer` runs on, built once from a `BpeModel`: token <-> id, byte -> byte
 * token id, the merge table on ids, and each id's bytes for decoding (one flat buffer).
 */
import { UserError } from '../util/errors.js';
import { BYTE_TO_CHAR, byteLevelToBytes } from './bytes.js';
import { MAX_MERGES, MergeTable } from './merges.js';
import type { BpeModel } from './types.js';

export interface Vocabulary {
  /** Every token, special ones included, -> id. */
  tokenToId: Map<string, number>;
  /** Id -> token (byte-level form, or the special token's content); undefined for unused ids. */
  idToToken: (string | undefined)[];
  /** One past the largest id. */
  size: number;
  byteIds: Int32Array;
  merges: MergeTable;
  /** Bytes of id i: `decodeBytes.subarray(decodeStart[i], decodeStart[i + 1])`. */
  decodeBytes: Uint8Array;
  decodeStart: Int32Array;
  /** 1 for ids that are special tokens (skipped by `decode(..., { skipSpecial: true })`). */
  isSpecial: Uint8Array;
}

const encoder = new TextEncoder();

export function buildVocabulary(model: BpeModel): Vocabulary {
  const tokenToId = new Map(model.vocab);
  let size = 0;
  for (const id of model.vocab.values()) size = Math.max(size, id + 1);
  for (const special of model.specialTokens) {
    const other = model.vocab.get(special.content);
    if (other !== undefined && other !== special.id) {
      throw new UserError(`special token ${JSON.stringify(special.content)} has id ${special.id} but the vocabulary gives it ${other}`);
    }
    tokenToId.set(special.content, special.id);
    size = Math.max(size, special.id + 1);
  }
  const idToToken = new Array<string | undefined>(size);
  for (const [token, id] of tokenToId) {
    if (idToToken[id] !== undefined && idToToken[id] !== token) {
      throw new UserError(`id ${id} is given to two tokens: ${JSON.stringify(idToToken[id])} and ${JSON.stringify(token)}`);
    }
    idToToken[id] = token;
  }
  const byteIds = new Int32Array(256);
  for (let b = 0; b < 256; b++) byteIds[b] = tokenToId.get(BYTE_TO_CHAR[b]!) ?? -1;
  const isSpecial = new Uint8Array(size);
  for (const special of model.specialTokens) isSpecial[special.id] = special.special ? 1 : 0;
  return { tokenToId, idToToken, size, byteIds, merges: mergeTable(model, tokenToId), ...decodeTable(model, idToToken), isSpecial };
}

function mergeTable(model: BpeModel, tokenToId: Map<string, number>): MergeTable {
  if (model.merges.length >= MAX_MERGES) throw new UserError(`${model.merges.length} merges: at most ${MAX_MERGES - 1} are supported`);
  const table = new MergeTable(model.merges.length);
  model.merges.forEach(([left, right], rank) => {
    const leftId = tokenToId.get(left);
    const rightId = tokenToId.get(right);
    const mergedId = tokenToId.get(left + right);
    if (leftId === undefined || rightId === undefined || mergedId === undefined) {
      const missing = [left, right, left + right].filter((t) => !tokenToId.has(t));
      throw new UserError(`merge ${rank} (${JSON.stringify(left)} ${JSON.stringify(right)}) uses ${missing.map((t) => JSON.stringify(t)).join(', ')}, which the vocabulary lacks`);
    }
    table.set(leftId, rightId, rank, mergedId);
  });
  return table;
}

/**
 * Bytes of every id. A byte-level token stands for its bytes; a special token, or a token with
 * characters outside the byte-level alphabet, for the UTF-8 of its text (as `tokenizers`' ByteLevel
 * decoder does for such tokens).
 */
function decodeTable(model: BpeModel, idToToken: (string | undefined)[]): { decodeBytes: Uint8Array; decodeStart: Int32Array } {
  const specials = new Set(model.specialTokens.map((s) => s.id));
  const parts: Uint8Array[] = [];
  const decodeStart = new Int32Array(idToToken.length + 1);
  let total = 0;
  for (let id = 0; id < idToToken.length; id++) {
    const token = idToToken[id];
    const bytes = token === undefined ? new Uint8Array(0) : ((specials.has(id) ? undefined : byteLevelToBytes(token)) ?? encoder.encode(token));
    parts.push(bytes);
    decodeStart[id] = total;
    total += bytes.length;
  }
  decodeStart[idToToken.length] = total;
  const decodeBytes = new Uint8Array(total);
  parts.forEach((bytes, id) => decodeBytes.set(bytes, decodeStart[id]!));
  return { decodeBytes, decodeStart };
}
