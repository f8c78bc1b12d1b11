/**
 * The byte-level BPE tokenizer: text -> ids and back, for any `BpeModel` (ours, or one read from a
 * Hugging Face tokenizer.json). Encoding: added tokens are cut out first, the text between them is
 * normalized (if asked), pre-tokenized by the model's pattern, and each pre-token's UTF-8 bytes are
 * merged by BPE. Decoding concatenates each id's bytes, so `decodeBytes(encode(text))` is exactly
 * the UTF-8 of `text`, and `decodeBytes(encodeBytes(bytes))` is exactly `bytes`, valid UTF-8 or not.
 */
import { UserError } from '../util/errors.js';
import { BYTE_TO_CHAR, forEachUtf8Run } from './bytes.js';
import { BpeEncoder, type EncoderTables } from './encoder.js';
import { escapeRegExp } from './pattern.js';
import { PreTokenizer } from './pretokenize.js';
import type { BpeModel, TextTokenizer } from './types.js';
import { buildVocabulary, type Vocabulary } from './vocabulary.js';

export type UnicodeForm = 'NFC' | 'NFD' | 'NFKC' | 'NFKD';

/** What a tokenizer.json can say beyond the `BpeModel`; every default is what we write. */
export interface TokenizerOptions {
  /** Further pre-tokenization patterns, each cutting the pieces of the one before (a Sequence of Splits). */
  extraPatterns?: string[];
  /** ByteLevel `add_prefix_space`: a space goes in front of each text segment that lacks one. */
  addPrefixSpace?: boolean;
  /** Unicode normalization of the text between added tokens, in order (`normalizer`). */
  normalization?: UnicodeForm[];
  /** `ignore_merges`: a pre-token that is a vocabulary entry as a whole is that entry, unmerged. */
  ignoreMerges?: boolean;
  /** `byte_fallback`: a character missing from the vocabulary becomes `<0xXX>` tokens. */
  byteFallback?: boolean;
  /** `unk_token`: stands in for a character missing from the vocabulary (else it is dropped). */
  unknownToken?: string;
  /** `fuse_unk`: consecutive unknown tokens become one. */
  fuseUnknown?: boolean;
  /** Ids that `addSpecial` puts around a text; by default the BOS `<s>` in front, if there is one. */
  template?: { prefix: number[]; suffix: number[] };
  /** Pre-tokens whose ids are cached (default 200,000, about 25 MB). */
  cacheSize?: number;
}

export interface EncodeOptions {
  /** Cut out special-token strings as their ids (default: they are encoded as plain text). */
  allowSpecial?: boolean;
  /** Add the template's tokens (BOS) around the text. */
  addSpecial?: boolean;
}

/** Pre-tokens handled per round, so that huge inputs do not hold every piece offset at once. */
const PIECES_PER_ROUND = 65_536;

export class Tokenizer implements TextTokenizer {
  readonly vocabSize: number;
  readonly vocabulary: Vocabulary;
  private readonly encoder: BpeEncoder;
  private readonly preTokenizer: PreTokenizer;
  /** Matches every added token (used with `allowSpecial`), and only the non-special ones. */
  private readonly allAdded: RegExp | undefined;
  private readonly plainAdded: RegExp | undefined;
  private readonly template: { prefix: number[]; suffix: number[] };
  private readonly ends: number[] = [];
  private readonly textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

  constructor(
    readonly model: BpeModel,
    readonly options: TokenizerOptions = {},
  ) {
    this.vocabulary = buildVocabulary(model);
    this.vocabSize = this.vocabulary.size;
    this.encoder = new BpeEncoder(this.encoderTables(), options.cacheSize);
    this.preTokenizer = new PreTokenizer([model.pattern, ...(options.extraPatterns ?? [])]);
    this.allAdded = addedTokenPattern(model.specialTokens.map((s) => s.content));
    this.plainAdded = addedTokenPattern(model.specialTokens.filter((s) => !s.special).map((s) => s.content));
    const bos = this.specialId('<s>');
    this.template = options.template ?? { prefix: bos === undefined ? [] : [bos], suffix: [] };
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const out: number[] = options.addSpecial ? [...this.template.prefix] : [];
    this.encodeText(text, options.allowSpecial ?? false, out);
    if (options.addSpecial) out.push(...this.template.suffix);
    return out;
  }

  /**
   * Ids of raw bytes. Runs of well-formed UTF-8 are encoded as text; a byte that belongs to no
   * well-formed sequence becomes its own byte token, so nothing is lost or replaced.
   */
  encodeBytes(bytes: Uint8Array, options: EncodeOptions = {}): number[] {
    const out: number[] = options.addSpecial ? [...this.template.prefix] : [];
    const allowSpecial = options.allowSpecial ?? false;
    forEachUtf8Run(
      bytes,
      (start, end) => this.encodeText(this.textDecoder.decode(bytes.subarray(start, end)), allowSpecial, out),
      (index) => this.encoder.encodeRawBytes(bytes, index, index + 1, out),
    );
    if (options.addSpecial) out.push(...this.template.suffix);
    return out;
  }

  decode(ids: ArrayLike<number>, options: { skipSpecial?: boolean } = {}): string {
    return this.textDecoder.decode(this.decodeBytes(ids, options));
  }

  decodeBytes(ids: ArrayLike<number>, options: { skipSpecial?: boolean } = {}): Uint8Array {
    const { decodeBytes, decodeStart, isSpecial, size } = this.vocabulary;
    const skip = options.skipSpecial ?? false;
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!(id >= 0 && id < size && Number.isInteger(id))) throw new UserError(`token id ${id} (at position ${i}) is not in the vocabulary of ${size} ids`);
      if (!(skip && isSpecial[id])) total += decodeStart[id + 1]! - decodeStart[id]!;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (skip && isSpecial[id]) continue;
      // Tokens are a few bytes: a plain loop beats a subarray view per token.
      for (let k = decodeStart[id]!, end = decodeStart[id + 1]!; k < end; k++) out[at++] = decodeBytes[k]!;
    }
    return out;
  }

  specialId(content: string): number | undefined {
    return this.model.specialTokens.find((s) => s.content === content)?.id;
  }

  /** The token (byte-level string, or special token content) of an id. */
  idToToken(id: number): string | undefined {
    return this.vocabulary.idToToken[id];
  }

  tokenToId(token: string): number | undefined {
    return this.vocabulary.tokenToId.get(token);
  }

  /** Forgets cached pre-tokens (benchmarks use it for cold-cache figures). */
  clearCache(): void {
    this.encoder.clearCache();
  }

  /** Text with added tokens cut out (all of them with `allowSpecial`, else only the non-special ones). */
  private encodeText(text: string, allowSpecial: boolean, out: number[]): void {
    const added = allowSpecial ? this.allAdded : this.plainAdded;
    if (added === undefined) return this.encodeSegment(text, out);
    added.lastIndex = 0;
    let start = 0;
    for (let match = added.exec(text); match !== null; match = added.exec(text)) {
      if (match.index > start) this.encodeSegment(text.slice(start, match.index), out);
      out.push(this.vocabulary.tokenToId.get(match[0])!);
      start = match.index + match[0].length;
    }
    if (start < text.length) this.encodeSegment(text.slice(start), out);
  }

  private encodeSegment(raw: string, out: number[]): void {
    if (raw === '') return; // no prefix space either: `tokenizers` sees no split at all
    let text = raw;
    for (const form of this.options.normalization ?? []) text = text.normalize(form);
    if (this.options.addPrefixSpace && !text.startsWith(' ')) text = ` ${text}`;
    const ends = this.ends;
    const encoder = this.encoder;
    let start = 0;
    while (start < text.length) {
      const stop = this.preTokenizer.split(text, ends, start, PIECES_PER_ROUND);
      for (let i = 0; i < ends.length; i++) {
        const end = ends[i]!;
        encoder.encodePiece(text, start, end, out);
        start = end;
      }
      start = stop;
    }
  }

  private encoderTables(): EncoderTables {
    const { tokenToId, byteIds, merges } = this.vocabulary;
    const { byteFallback, unknownToken, fuseUnknown, ignoreMerges } = this.options;
    const unknownId = unknownToken === undefined ? undefined : tokenToId.get(unknownToken);
    if (unknownToken !== undefined && unknownId === undefined) throw new UserError(`the unknown token ${JSON.stringify(unknownToken)} is not in the vocabulary`);
    const missingByte = (byte: number): number[] => {
      if (byteFallback) {
        // As `tokenizers` does: the fallback spells the UTF-8 of the missing byte-level character.
        const codes = [...new TextEncoder().encode(BYTE_TO_CHAR[byte]!)].map((b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
        const ids = codes.map((code) => tokenToId.get(code));
        if (ids.every((id) => id !== undefined)) return ids as number[];
      }
      return unknownId === undefined ? [] : [unknownId];
    };
    return { byteIds, merges, missingByte, fuseUnknownId: fuseUnknown && unknownId !== undefined ? unknownId : -1, wholeWords: ignoreMerges ? this.wholeWords() : undefined };
  }

  /** For `ignore_merges`: every vocabulary entry that is valid UTF-8, by its text. */
  private wholeWords(): Map<string, number> {
    const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const words = new Map<string, number>();
    const { decodeBytes, decodeStart } = this.vocabulary;
    for (const id of this.model.vocab.values()) {
      try {
        words.set(strict.decode(decodeBytes.subarray(decodeStart[id]!, decodeStart[id + 1]!)), id);
      } catch {
        // Not valid UTF-8 on its own, so never a whole pre-token of text.
      }
    }
    return words;
  }
}

/** A regex matching any of `contents`, the longest first where several start at one place. */
function addedTokenPattern(contents: string[]): RegExp | undefined {
  const sorted = contents.filter((c) => c !== '').sort((a, b) => b.length - a.length);
  if (sorted.length === 0) return undefined;
  return new RegExp(sorted.map(escapeRegExp).join('|'), 'gu');
}
