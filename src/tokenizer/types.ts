/**
 * The byte-level BPE model shared by the trainer, the encoder and the tokenizer.json reader and
 * writer. Tokens are written in the byte-level alphabet of GPT-2 / Hugging Face `ByteLevel`
 * (each byte 0-255 mapped to one printable Unicode character), as in tokenizer.json.
 */
export interface BpeModel {
  /** Token (byte-level string) -> id. Special tokens are not in here. */
  vocab: Map<string, number>;
  /** Merges in rank order: merging `left` and `right` gives `left + right`. */
  merges: [string, string][];
  /** Special (added) tokens with their ids, e.g. `<unk>` 0, `<s>` 1, `</s>` 2, `<pad>` 3. */
  specialTokens: SpecialToken[];
  /** Pre-tokenization regex source in `tokenizers` (Rust regex) syntax, as in tokenizer.json; applied before BPE. */
  pattern: string;
}

export interface SpecialToken {
  content: string;
  id: number;
  /** Skipped by decode when decoding without special tokens. */
  special: boolean;
}

/** What the rest of the project uses to turn text into ids and back. */
export interface TextTokenizer {
  readonly vocabSize: number;
  /** Ids of `text`; special-token strings in the text are encoded as plain text unless `allowSpecial`. */
  encode(text: string, options?: { allowSpecial?: boolean }): number[];
  /** Text of `ids`; invalid UTF-8 byte sequences decode to U+FFFD unless `bytes` is asked for. */
  decode(ids: ArrayLike<number>, options?: { skipSpecial?: boolean }): string;
  /** The raw bytes of `ids` (byte-exact round trip of any input, including invalid UTF-8). */
  decodeBytes(ids: ArrayLike<number>): Uint8Array;
  /** Id of a special token by its content (`</s>`), or undefined. */
  specialId(content: string): number | undefined;
}

/** Apertus's special tokens and ids (R8): `<unk>` 0, `<s>` 1 (BOS), `</s>` 2 (EOS), `<pad>` 3. */
export const APERTUS_SPECIAL_TOKENS: SpecialToken[] = [
  { content: '<unk>', id: 0, special: true },
  { content: '<s>', id: 1, special: true },
  { content: '</s>', id: 2, special: true },
  { content: '<pad>', id: 3, special: true },
];

/**
 * The Mistral-Nemo "tekken" pre-tokenization split (the o200k family): words of letters and marks
 * with an optional leading non-letter, split at case changes, one digit at a time, punctuation
 * runs, newlines, spaces.
 */
export const DEFAULT_PATTERN =
  "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
