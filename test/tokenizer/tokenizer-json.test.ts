import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Tokenizer } from '../../src/tokenizer/tokenizer.js';
import { loadTokenizer, parseTokenizerJson, readTokenizerJson } from '../../src/tokenizer/tokenizer-json.js';
import { toTokenizerJson, writeTokenizerJson } from '../../src/tokenizer/tokenizer-json-write.js';
import type { BpeModel } from '../../src/tokenizer/types.js';
import { UserError } from '../../src/util/errors.js';
import { tempDir } from '../helpers/corpus.js';
import { greedyModel, HARD_CASES } from './encode-fixtures.js';

type Json = Record<string, unknown>;

/** A tokenizer.json object of `model` with `edit` applied (a deep copy, so edits stay local). */
function variant(model: BpeModel, edit: (json: Json & { model: Json }) => void): unknown {
  const json = structuredClone(toTokenizerJson(model)) as Json & { model: Json };
  edit(json);
  return json;
}

function refused(json: unknown, what: RegExp): void {
  assert.throws(
    () => parseTokenizerJson(json, 'some/tokenizer.json'),
    (err: Error) => err instanceof UserError && err.message.startsWith('some/tokenizer.json: ') && what.test(err.message),
    what.source,
  );
}

describe('tokenizer.json', () => {
  let dir = '';
  const model = greedyModel(HARD_CASES, 150);
  before(async () => (dir = await tempDir('tokenizer-json')));
  after(async () => rm(dir, { recursive: true, force: true }));

  it('writes a file that reads back as the same model, one vocabulary entry and merge per line', async () => {
    const file = join(dir, 'ours.json');
    await writeTokenizerJson(file, model);
    const text = await readFile(file, 'utf8');
    assert.match(text, /\n {6}"<unk>": 0,\n {6}"<s>": 1,\n/);
    assert.match(text, /"merges": \[\n {6}\["[^\n]*","[^\n]*"\],\n {6}\[/);
    const back = await readTokenizerJson(file);
    assert.deepEqual(back.model, model);
    assert.deepEqual(back.options, { template: { prefix: [1], suffix: [] } });
    const json = JSON.parse(text) as Json & { model: Json; pre_tokenizer: Json };
    assert.deepEqual(json.pre_tokenizer.pretokenizers, [
      { type: 'Split', pattern: { Regex: model.pattern }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    ]);
    assert.equal((json.model.vocab as Json)['<pad>'], 3, 'special tokens are in the model vocabulary too');
  });

  it('reads merges written as "a b" strings as well as pairs', () => {
    const json = variant(model, (j) => (j.model.merges = (j.model.merges as string[][]).map((pair) => pair.join(' '))));
    const tokenizer = new Tokenizer(parseTokenizerJson(json, 'old.json').model);
    for (const text of HARD_CASES) assert.deepEqual(tokenizer.encode(text), new Tokenizer(model).encode(text));
  });

  it('keeps ids of added tokens that the model vocabulary lacks, and reads templates', () => {
    const json = variant(model, (j) => {
      (j.added_tokens as Json[]).push({ id: 5000, content: '<|im_end|>', special: true, single_word: false, lstrip: false, rstrip: false, normalized: false });
      j.post_processor = {
        type: 'Sequence',
        processors: [
          { type: 'ByteLevel', trim_offsets: false },
          { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }], special_tokens: { '<s>': { ids: [1] }, '</s>': { ids: [2] } } },
        ],
      };
    });
    const { model: read, options } = parseTokenizerJson(json, 'x.json');
    const tokenizer = new Tokenizer(read, options);
    assert.equal(tokenizer.vocabSize, 5001);
    assert.deepEqual(tokenizer.encode('a<|im_end|>', { allowSpecial: true, addSpecial: true }), [1, ...tokenizer.encode('a'), 5000, 2]);
    const roberta = variant(model, (j) => (j.post_processor = { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 1] }));
    assert.deepEqual(parseTokenizerJson(roberta, 'r.json').options.template, { prefix: [1], suffix: [2] });
    const none = variant(model, (j) => (j.post_processor = null));
    assert.equal(parseTokenizerJson(none, 'n.json').options.template, undefined);
  });

  it('reads plain ByteLevel (GPT-2 split) and several Splits in a row', () => {
    const gpt2 = variant(model, (j) => (j.pre_tokenizer = { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true }));
    const read = parseTokenizerJson(gpt2, 'g.json');
    assert.match(read.model.pattern, /^'s\|'t/);
    assert.equal(read.options.addPrefixSpace, true);
    const deepseek = variant(model, (j) => {
      const split = (Regex: string) => ({ type: 'Split', pattern: { Regex }, behavior: 'Isolated', invert: false });
      j.pre_tokenizer = { type: 'Sequence', pretokenizers: [split('\\p{N}{1,3}'), split('[一-龥]+'), { type: 'ByteLevel', add_prefix_space: false, use_regex: false }] };
    });
    const both = parseTokenizerJson(deepseek, 'd.json');
    assert.deepEqual([both.model.pattern, both.options.extraPatterns], ['\\p{N}{1,3}', ['[一-龥]+']]);
    const literal = variant(model, (j) => (j.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { String: '.' }, behavior: 'Isolated' }, { type: 'ByteLevel', use_regex: false }] }));
    assert.equal(parseTokenizerJson(literal, 'l.json').model.pattern, '\\.');
  });

  it('refuses other tokenizer families and options it cannot honour, naming the file and field', () => {
    refused(variant(model, (j) => (j.model = { type: 'WordPiece', vocab: {}, unk_token: '[UNK]' })), /model\.type is "WordPiece", not BPE.*byte-level BPE/);
    refused(variant(model, (j) => (j.model = { type: 'Unigram', vocab: [] })), /"Unigram"/);
    refused(variant(model, (j) => (j.pre_tokenizer = { type: 'Metaspace', replacement: '▁' })), /pre_tokenizer\.type "Metaspace" is not supported/);
    refused(variant(model, (j) => (j.pre_tokenizer = null)), /pre_tokenizer is null/);
    refused(variant(model, (j) => ((j.pre_tokenizer as { pretokenizers: Json[] }).pretokenizers[0]!.behavior = 'MergedWithPrevious')), /behavior "MergedWithPrevious"/);
    refused(variant(model, (j) => ((j.pre_tokenizer as { pretokenizers: Json[] }).pretokenizers[0]!.pattern = { Regex: '\\p{L}++' })), /possessive quantifier/);
    refused(variant(model, (j) => (j.decoder = { type: 'Metaspace' })), /decoder\.type "Metaspace"/);
    refused(variant(model, (j) => (j.normalizer = { type: 'Lowercase' })), /normalizer\.type "Lowercase"/);
    refused(variant(model, (j) => (j.model.dropout = 0.1)), /model\.dropout/);
    refused(variant(model, (j) => (j.model.continuing_subword_prefix = '##')), /continuing_subword_prefix/);
    refused(variant(model, (j) => ((j.added_tokens as Json[])[0]!.lstrip = true)), /added_tokens\[0\]\.lstrip \("<unk>"\)/);
  });

  it('reports unreadable files and bad JSON with the file name', async () => {
    await assert.rejects(loadTokenizer(join(dir, 'missing.json')), /cannot read tokenizer .*missing\.json/);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"model": ');
    await assert.rejects(loadTokenizer(bad), (err: Error) => err instanceof UserError && err.message.startsWith(`${bad} is not valid JSON`));
    const broken = join(dir, 'broken.json');
    await writeFile(broken, JSON.stringify(variant(model, (j) => (j.model.merges = [['Ġ', 'nosuchtoken']]))));
    await assert.rejects(loadTokenizer(broken), (err: Error) => err instanceof UserError && err.message.startsWith(`${broken}: merge 0 ("Ġ" "nosuchtoken") uses "nosuchtoken"`));
  });
});
