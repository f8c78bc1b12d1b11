/**
 * Bytes and the byte-level alphabet. GPT-2 (and Hugging Face `ByteLevel`) write every byte as one
 * printable Unicode character so that vocabularies and merges are plain strings: printable
 * Latin-1 bytes stand for themselves, the other 68 bytes map to U+0100 onwards in byte order.
 */

function buildByteToChar(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const map: string[] = new Array<string>(256);
  for (const b of printable) map[b] = String.fromCharCode(b);
  let next = 0;
  for (let b = 0; b < 256; b++) if (map[b] === undefined) map[b] = String.fromCharCode(256 + next++);
  return map;
}

/** Byte -> its one-character byte-level form (`0x20` -> `Ġ`, `0x0a` -> `Ċ`). */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

// Every byte-level character is below U+0144, so a small table indexed by code unit inverts it.
const CHAR_TO_BYTE = new Int16Array(0x144).fill(-1);
BYTE_TO_CHAR.forEach((c, b) => (CHAR_TO_BYTE[c.charCodeAt(0)] = b));

/** The bytes a byte-level token stands for, or undefined when a character is outside the alphabet. */
export function byteLevelToBytes(token: string): Uint8Array | undefined {
  const bytes = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const code = token.charCodeAt(i);
    const b = code < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[code]! : -1;
    if (b < 0) return undefined;
    bytes[i] = b;
  }
  return bytes;
}

/** The byte-level string of some bytes. */
export function bytesToByteLevel(bytes: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += BYTE_TO_CHAR[bytes[i]!]!;
  return out;
}

export { utf8Into } from '../util/utf8.js';

/**
 * Length of the well-formed UTF-8 sequence starting at `bytes[i]` (1-4), or 0 when the byte there
 * does not start one (stray continuation byte, overlong form, surrogate, beyond U+10FFFF, cut short).
 */
export function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i]!;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => i + k < bytes.length && bytes[i + k]! >= lo && bytes[i + k]! <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    // E0 needs A0.. (no overlongs), ED needs ..9F (no surrogates).
    const ok = cont(1, b0 === 0xe0 ? 0xa0 : 0x80, b0 === 0xed ? 0x9f : 0xbf) && cont(2);
    return ok ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    // F0 needs 90.. (no overlongs), F4 needs ..8F (nothing past U+10FFFF).
    const ok = cont(1, b0 === 0xf0 ? 0x90 : 0x80, b0 === 0xf4 ? 0x8f : 0xbf) && cont(2) && cont(3);
    return ok ? 4 : 0;
  }
  return 0;
}

/**
 * Splits bytes into maximal runs of well-formed UTF-8 and single bytes that are not part of any
 * well-formed sequence; calls `onText(start, end)` for each run and `onByte(index)` for each such byte.
 */
export function forEachUtf8Run(bytes: Uint8Array, onText: (start: number, end: number) => void, onByte: (index: number) => void): void {
  let runStart = 0;
  let i = 0;
  while (i < bytes.length) {
    // ASCII dominates real text: skip it without the sequence check.
    if (bytes[i]! < 0x80) {
      i++;
      continue;
    }
    const length = utf8SequenceLength(bytes, i);
    if (length > 0) {
      i += length;
      continue;
    }
    if (i > runStart) onText(runStart, i);
    onByte(i);
    runStart = ++i;
  }
  if (i > runStart) onText(runStart, i);
}
