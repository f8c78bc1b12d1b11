/**
 * Reading Hugging Face `tokenizer.json` files of the byte-level BPE family: model BPE, a ByteLevel
 * pre-tokenizer (alone, or after Split(Regex, Isolated) steps as in Llama-3, Qwen and Mistral's
 * tekken), ByteLevel decoder, added tokens. Anything else (WordPiece, Unigram, Metaspace, ...) is
 * refused with an error naming the file, the field and what is unsupported.
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../util/errors.js';
import { escapeRegExp, GPT2_PATTERN, translatePattern } from './pattern.js';
import { Tokenizer, type TokenizerOptions, type UnicodeForm } from './tokenizer.js';
import type { BpeModel, SpecialToken } from './types.js';

export interface TokenizerFile {
  model: BpeModel;
  options: TokenizerOptions;
}

type Json = Record<string, unknown>;

/** Thrown for a field we cannot use; the caller adds the file name. */
class Unsupported extends Error {}

function object(value: unknown, field: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Unsupported(`${field} should be an object`);
  return value as Json;
}

function array(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new Unsupported(`${field} should be an array`);
  return value;
}

function string(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new Unsupported(`${field} should be a string`);
  return value;
}

/** A field that must be absent, null, false or empty for us to read the file correctly. */
function unset(value: unknown, field: string, why: string): void {
  if (value !== undefined && value !== null && value !== false && value !== '') throw new Unsupported(`${field} = ${JSON.stringify(value)}: ${why}`);
}

export async function readTokenizerJson(file: string): Promise<TokenizerFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read tokenizer ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parseTokenizerJson(json, file);
}

export async function loadTokenizer(file: string): Promise<Tokenizer> {
  const { model, options } = await readTokenizerJson(file);
  try {
    return new Tokenizer(model, options);
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`${file}: ${err.message}`);
    throw err;
  }
}

/** A parsed tokenizer.json (`file` only names it in errors). */
export function parseTokenizerJson(json: unknown, file: string): TokenizerFile {
  try {
    const root = object(json, 'the file');
    const model = object(root.model, 'model');
    const options: TokenizerOptions = {};
    const { vocab, merges } = readModel(model, options);
    const patterns = readPreTokenizer(root.pre_tokenizer, options);
    readDecoder(root.decoder);
    const normalization = readNormalizer(root.normalizer);
    if (normalization.length > 0) options.normalization = normalization;
    const specialTokens = readAddedTokens(root.added_tokens, vocab);
    const template = readPostProcessor(root.post_processor, specialTokens, vocab);
    if (template) options.template = template;
    if (patterns.length > 1) options.extraPatterns = patterns.slice(1);
    return { model: { vocab, merges, specialTokens, pattern: patterns[0] ?? '' }, options };
  } catch (err) {
    if (err instanceof Unsupported) throw new UserError(`${file}: ${err.message} (apertus reads byte-level BPE tokenizer.json files only)`);
    if (err instanceof UserError) throw new UserError(`${file}: ${err.message}`);
    throw err;
  }
}

function readModel(model: Json, options: TokenizerOptions): { vocab: Map<string, number>; merges: [string, string][] } {
  // Files written before `type` was serialized hold a BPE model if they have merges.
  const type = model.type ?? (model.merges !== undefined ? 'BPE' : 'unknown');
  if (type !== 'BPE') throw new Unsupported(`model.type is ${JSON.stringify(type)}, not BPE`);
  unset(model.dropout, 'model.dropout', 'BPE dropout makes encoding random; remove it for inference');
  unset(model.continuing_subword_prefix, 'model.continuing_subword_prefix', 'subword prefixes belong to WordPiece-style BPE');
  unset(model.end_of_word_suffix, 'model.end_of_word_suffix', 'end-of-word suffixes belong to character-level BPE');
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(object(model.vocab, 'model.vocab'))) {
    if (!Number.isInteger(id) || (id as number) < 0) throw new Unsupported(`model.vocab[${JSON.stringify(token)}] should be an id >= 0`);
    vocab.set(token, id as number);
  }
  const merges = array(model.merges, 'model.merges').map((merge, i): [string, string] => {
    // Two spellings: `"a b"` (before tokenizers 0.20) and `["a", "b"]` (which allows spaces in tokens).
    if (typeof merge === 'string') {
      const parts = merge.split(' ');
      if (parts.length !== 2) throw new Unsupported(`model.merges[${i}] ${JSON.stringify(merge)} is not two tokens`);
      return [parts[0]!, parts[1]!];
    }
    const pair = array(merge, `model.merges[${i}]`);
    if (pair.length !== 2) throw new Unsupported(`model.merges[${i}] is not a pair`);
    return [string(pair[0], `model.merges[${i}][0]`), string(pair[1], `model.merges[${i}][1]`)];
  });
  if (model.ignore_merges === true) options.ignoreMerges = true;
  if (model.byte_fallback === true) options.byteFallback = true;
  if (model.fuse_unk === true) options.fuseUnknown = true;
  if (typeof model.unk_token === 'string') options.unknownToken = model.unk_token;
  return { vocab, merges };
}

/** The split patterns, in order; a ByteLevel step is required, last. */
function readPreTokenizer(value: unknown, options: TokenizerOptions): string[] {
  if (value === null || value === undefined) throw new Unsupported('pre_tokenizer is null, so the model is not byte-level');
  const top = object(value, 'pre_tokenizer');
  const steps = top.type === 'Sequence' ? array(top.pretokenizers, 'pre_tokenizer.pretokenizers') : [top];
  const patterns: string[] = [];
  steps.forEach((raw, i) => {
    const field = top.type === 'Sequence' ? `pre_tokenizer.pretokenizers[${i}]` : 'pre_tokenizer';
    const step = object(raw, field);
    if (step.type === 'Split') {
      if (i === steps.length - 1) throw new Unsupported(`${field}: a Split without a ByteLevel step after it is not byte-level`);
      patterns.push(splitPattern(step, field));
      return;
    }
    if (step.type !== 'ByteLevel') throw new Unsupported(`${field}.type ${JSON.stringify(step.type)} is not supported (only Split and ByteLevel)`);
    if (i !== steps.length - 1) throw new Unsupported(`${field}: ByteLevel must be the last pre-tokenizer`);
    if (step.use_regex !== false) patterns.push(GPT2_PATTERN);
    if (step.add_prefix_space === true) {
      if (steps.length > 1) throw new Unsupported(`${field}.add_prefix_space after Split steps is not supported`);
      options.addPrefixSpace = true;
    }
  });
  return patterns;
}

function splitPattern(step: Json, field: string): string {
  if (step.behavior !== 'Isolated') throw new Unsupported(`${field}.behavior ${JSON.stringify(step.behavior)} is not supported (only Isolated)`);
  unset(step.invert, `${field}.invert`, 'inverted splits are not supported');
  const pattern = object(step.pattern, `${field}.pattern`);
  const source = typeof pattern.Regex === 'string' ? pattern.Regex : escapeRegExp(string(pattern.String, `${field}.pattern.String`));
  translatePattern(source); // refuses, with the reason, what JavaScript cannot run
  return source;
}

function readDecoder(value: unknown): void {
  if (value === null || value === undefined) throw new Unsupported('decoder is null; byte-level BPE needs the ByteLevel decoder');
  const decoder = object(value, 'decoder');
  if (decoder.type !== 'ByteLevel') throw new Unsupported(`decoder.type ${JSON.stringify(decoder.type)} is not supported (only ByteLevel)`);
}

function readNormalizer(value: unknown): UnicodeForm[] {
  if (value === null || value === undefined) return [];
  const normalizer = object(value, 'normalizer');
  if (normalizer.type === 'Sequence') return array(normalizer.normalizers, 'normalizer.normalizers').flatMap((n) => readNormalizer(n));
  const form = normalizer.type;
  if (form === 'NFC' || form === 'NFD' || form === 'NFKC' || form === 'NFKD') return [form];
  throw new Unsupported(`normalizer.type ${JSON.stringify(form)} is not supported (only NFC, NFD, NFKC, NFKD)`);
}

/** Added tokens leave the vocabulary map (a `BpeModel` keeps them apart) with their ids. */
function readAddedTokens(value: unknown, vocab: Map<string, number>): SpecialToken[] {
  if (value === undefined || value === null) return [];
  return array(value, 'added_tokens').map((raw, i) => {
    const token = object(raw, `added_tokens[${i}]`);
    const content = string(token.content, `added_tokens[${i}].content`);
    for (const flag of ['single_word', 'lstrip', 'rstrip'] as const) unset(token[flag], `added_tokens[${i}].${flag} (${JSON.stringify(content)})`, 'whitespace-stripping added tokens are not supported');
    if (!Number.isInteger(token.id)) throw new Unsupported(`added_tokens[${i}].id should be a whole number`);
    vocab.delete(content);
    return { content, id: token.id as number, special: token.special === true };
  });
}

/** Ids that `--add-special` puts before and after a text. */
function readPostProcessor(value: unknown, specials: SpecialToken[], vocab: Map<string, number>, field = 'post_processor'): TokenizerOptions['template'] {
  if (value === null || value === undefined) return undefined;
  const processor = object(value, field);
  const idOf = (content: string): number => {
    const id = specials.find((s) => s.content === content)?.id ?? vocab.get(content);
    if (id === undefined) throw new Unsupported(`${field} uses ${JSON.stringify(content)}, which is not a token`);
    return id;
  };
  switch (processor.type) {
    case 'ByteLevel':
      return undefined; // only moves offsets
    case 'Sequence': {
      const templates = array(processor.processors, `${field}.processors`).map((p, i) => readPostProcessor(p, specials, vocab, `${field}.processors[${i}]`));
      return templates.find((t) => t !== undefined);
    }
    case 'RobertaProcessing':
    case 'BertProcessing': {
      const [cls, sep] = [array(processor.cls, `${field}.cls`), array(processor.sep, `${field}.sep`)];
      return { prefix: [idOf(string(cls[0], `${field}.cls[0]`))], suffix: [idOf(string(sep[0], `${field}.sep[0]`))] };
    }
    case 'TemplateProcessing':
      return readTemplate(processor, field);
    default:
      throw new Unsupported(`${field}.type ${JSON.stringify(processor.type)} is not supported`);
  }
}

/** The `single` template: special tokens before `$A` are the prefix, those after it the suffix. */
function readTemplate(processor: Json, field: string): TokenizerOptions['template'] {
  const known = object(processor.special_tokens ?? {}, `${field}.special_tokens`);
  const template = { prefix: [] as number[], suffix: [] as number[] };
  let seenSequence = false;
  array(processor.single, `${field}.single`).forEach((raw, i) => {
    const piece = object(raw, `${field}.single[${i}]`);
    if (piece.Sequence !== undefined) {
      seenSequence = true;
      return;
    }
    const name = string(object(piece.SpecialToken, `${field}.single[${i}].SpecialToken`).id, `${field}.single[${i}].SpecialToken.id`);
    const ids = array(object(known[name], `${field}.special_tokens[${JSON.stringify(name)}]`).ids, `${field}.special_tokens[${JSON.stringify(name)}].ids`);
    (seenSequence ? template.suffix : template.prefix).push(...(ids as number[]));
  });
  return template;
}
