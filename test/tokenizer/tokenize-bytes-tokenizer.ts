/**
 * A trivial tokenizer for the shard and tokenize tests, loadable by worker threads through
 * `loadTokenizer(path)`: each UTF-8 byte is one token, id = byte + offset (specials 0-3 as in
 * Apertus). The "tokenizer file" is JSON `{"offset": 4, "vocab_size": 260}`; a large offset gives
 * ids that need int32 shards.
 */
import { readFile } from 'node:fs/promises';
import { APERTUS_SPECIAL_TOKENS, type TextTokenizer } from '../../src/tokenizer/types.js';

export function bytesTokenizer(offset = 4, vocabSize = 256 + offset): TextTokenizer {
  const toBytes = (ids: ArrayLike<number>) => Uint8Array.from(Array.from(ids).filter((id) => id >= offset), (id) => id - offset);
  return {
    vocabSize: Math.max(vocabSize, 256 + offset),
    encode: (text) => Array.from(Buffer.from(text, 'utf8'), (b) => b + offset),
    decode: (ids) => Buffer.from(toBytes(ids)).toString('utf8'),
    decodeBytes: toBytes,
    specialId: (content) => APERTUS_SPECIAL_TOKENS.find((t) => t.content === content)?.id,
  };
}

export async function loadTokenizer(path: string): Promise<TextTokenizer> {
  const config = JSON.parse(await readFile(path, 'utf8')) as { offset?: number; vocab_size?: number };
  return bytesTokenizer(config.offset, config.vocab_size);
}
