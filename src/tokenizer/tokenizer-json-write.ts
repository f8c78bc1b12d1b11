/**
 * Writing a `BpeModel` as a Hugging Face `tokenizer.json`, in the shape of Mistral's tekken and
 * Llama-3 files: pre-tokenizer Sequence[Split(Regex, Isolated)..., ByteLevel(use_regex: false)],
 * ByteLevel decoder, merges as `["a", "b"]` pairs (what `tokenizers` >= 0.20 writes, and reads
 * along with the older `"a b"` strings), special tokens both in `added_tokens` and in the model
 * vocabulary (`tokenizers` only keeps an added token's id when the model knows the token).
 */
import { writeFileAtomic } from '../util/fs.js';
import type { TokenizerOptions } from './tokenizer.js';
import type { BpeModel } from './types.js';

type Json = Record<string, unknown>;

function preTokenizer(model: BpeModel, options: TokenizerOptions): Json {
  const patterns = [model.pattern, ...(options.extraPatterns ?? [])].filter((p) => p !== '');
  const byteLevel = { type: 'ByteLevel', add_prefix_space: options.addPrefixSpace ?? false, trim_offsets: true, use_regex: false };
  if (patterns.length === 0) return byteLevel;
  const splits = patterns.map((p) => ({ type: 'Split', pattern: { Regex: p }, behavior: 'Isolated', invert: false }));
  return { type: 'Sequence', pretokenizers: [...splits, byteLevel] };
}

function normalizer(options: TokenizerOptions): Json | null {
  const forms = options.normalization ?? [];
  if (forms.length === 0) return null;
  if (forms.length === 1) return { type: forms[0] };
  return { type: 'Sequence', normalizers: forms.map((type) => ({ type })) };
}

/** TemplateProcessing for `add_special_tokens=True`: the template's ids, or BOS `<s>` when present. */
function postProcessor(model: BpeModel, options: TokenizerOptions): Json | null {
  const bos = model.specialTokens.find((s) => s.content === '<s>');
  const template = options.template ?? { prefix: bos ? [bos.id] : [], suffix: [] };
  if (template.prefix.length + template.suffix.length === 0) return null;
  const contentOf = (id: number): string => {
    const special = model.specialTokens.find((s) => s.id === id);
    if (special) return special.content;
    for (const [token, tokenId] of model.vocab) if (tokenId === id) return token;
    throw new Error(`template id ${id} is not in the vocabulary`);
  };
  const item = (id: number, typeId: number) => ({ SpecialToken: { id: contentOf(id), type_id: typeId } });
  const single = [...template.prefix.map((id) => item(id, 0)), { Sequence: { id: 'A', type_id: 0 } }, ...template.suffix.map((id) => item(id, 0))];
  const pair = [...single, ...template.prefix.map((id) => item(id, 1)), { Sequence: { id: 'B', type_id: 1 } }, ...template.suffix.map((id) => item(id, 1))];
  const special_tokens: Json = {};
  for (const id of [...template.prefix, ...template.suffix]) special_tokens[contentOf(id)] = { id: contentOf(id), ids: [id], tokens: [contentOf(id)] };
  return { type: 'TemplateProcessing', single, pair, special_tokens };
}

/** Every token with its id, special ones included, in id order. */
function vocabEntries(model: BpeModel): [string, number][] {
  return [...model.vocab, ...model.specialTokens.map((s): [string, number] => [s.content, s.id])].sort((a, b) => a[1] - b[1]);
}

/** The tokenizer.json object of a model (`options`: what a read file said beyond the model). */
export function toTokenizerJson(model: BpeModel, options: TokenizerOptions = {}): Json {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...model.specialTokens]
      .sort((a, b) => a.id - b.id)
      .map((s) => ({ id: s.id, content: s.content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: s.special })),
    normalizer: normalizer(options),
    pre_tokenizer: preTokenizer(model, options),
    post_processor: postProcessor(model, options),
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: options.unknownToken ?? null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: options.fuseUnknown ?? false,
      byte_fallback: options.byteFallback ?? false,
      ignore_merges: options.ignoreMerges ?? false,
      vocab: Object.fromEntries(vocabEntries(model)),
      merges: model.merges,
    },
  };
}

/**
 * tokenizer.json text: indented like `tokenizers`' pretty output, except that each vocabulary
 * entry and each merge takes one line (a 131k vocabulary stays a few MB and diffs well).
 */
export function tokenizerJsonText(model: BpeModel, options: TokenizerOptions = {}): string {
  const json = toTokenizerJson(model, options);
  const body = json.model as Json;
  // From the model, not the object: an object lists integer-like keys ("0", "12") first.
  const vocab = vocabEntries(model).map(([token, id]) => `      ${JSON.stringify(token)}: ${id}`);
  const merges = model.merges.map((pair) => `      ${JSON.stringify(pair)}`);
  const text = JSON.stringify({ ...json, model: { ...body, vocab: '@VOCAB@', merges: '@MERGES@' } }, null, 2);
  const block = (lines: string[], open: string, close: string) => (lines.length === 0 ? `${open}${close}` : `${open}\n${lines.join(',\n')}\n    ${close}`);
  // Function replacements: the blocks contain `$` sequences that a string replacement would expand.
  return `${text.replace('"@VOCAB@"', () => block(vocab, '{', '}')).replace('"@MERGES@"', () => block(merges, '[', ']'))}\n`;
}

export async function writeTokenizerJson(file: string, model: BpeModel, options: TokenizerOptions = {}): Promise<void> {
  await writeFileAtomic(file, tokenizerJsonText(model, options));
}
