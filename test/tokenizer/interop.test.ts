/**
 * Interop with Hugging Face `tokenizers` (Python, from the local wheel store): (a) a tokenizer.json
 * we write loads there and gives our ids; (b) byte-level BPE tokenizer.json files trained there
 * (tekken-style Split + ByteLevel, plain GPT-2 ByteLevel with and without add_prefix_space,
 * DeepSeek-V3's three Splits, Llama-3 split with `(?i:...)`, ignore_merges and NFC) load here
 * and give its ids. One Python run does all the Python work.
 */
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Tokenizer } from '../../src/tokenizer/tokenizer.js';
import { loadTokenizer } from '../../src/tokenizer/tokenizer-json.js';
import { writeTokenizerJson } from '../../src/tokenizer/tokenizer-json-write.js';
import { DEFAULT_PATTERN } from '../../src/tokenizer/types.js';
import { declaration } from '../../tools/udhr.js';
import { seeded, tempDir } from '../helpers/corpus.js';
import { pythonWith, runPython } from '../helpers/python.js';
import { fuzzTexts, greedyModel, multilingualTexts } from './encode-fixtures.js';

const LLAMA3_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
/** DeepSeek-V3's three Splits in a row: digit groups, CJK runs, then words and punctuation (escaped punctuation in a class). */
const DEEPSEEK_PATTERNS = [
  '\\p{N}{1,3}',
  '[一-龥぀-ゟ゠-ヿ]+',
  "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\\r\\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
];
const TRAIN_LANGUAGES = ['eng', 'deu_1996', 'fra', 'spa', 'ita', 'por_PT', 'nld', 'pol', 'ces', 'tur', 'vie', 'rus', 'ukr', 'ell_monotonic', 'cmn_hans', 'jpn', 'kor', 'arb', 'heb', 'hin', 'ben', 'tha', 'tam', 'kat', 'hye', 'amh', 'swh', 'fin', 'hun', 'khm'];

const PROGRAM = String.raw`
import json, sys
from tokenizers import Tokenizer, Regex, decoders, models, pre_tokenizers, trainers
work, tekken_pattern, llama_pattern, deepseek_patterns = sys.argv[1:5]
texts = json.load(open(f'{work}/texts.json', encoding='utf-8'))
corpus = json.load(open(f'{work}/corpus.json', encoding='utf-8'))

def train(pre):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=2000, show_progress=False, special_tokens=['<unk>', '<s>', '</s>', '<pad>'],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus, trainer)
    return tok

def split_then_bytes(pattern):
    return pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(pattern), behavior='isolated'),
                                    pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])

def run(tok):
    tok.encode_special_tokens = True
    plain = [e.ids for e in tok.encode_batch(texts, add_special_tokens=False)]
    tok.encode_special_tokens = False
    special = [e.ids for e in tok.encode_batch(texts, add_special_tokens=False)]
    bos = [e.ids for e in tok.encode_batch(texts[:3], add_special_tokens=True)]
    decoded = [tok.decode(ids, skip_special_tokens=False) for ids in plain]
    return {'plain': plain, 'special': special, 'bos': bos, 'decoded': decoded}

results = {'ours': run(Tokenizer.from_file(f'{work}/ours.json'))}
for name, pre in [('tekken', split_then_bytes(tekken_pattern)), ('gpt2', pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True))]:
    tok = train(pre)
    tok.save(f'{work}/{name}.json')
    results[name] = run(tok)
prefixed = json.loads(open(f'{work}/gpt2.json', encoding='utf-8').read())
prefixed['pre_tokenizer']['add_prefix_space'] = True
prefixed = Tokenizer.from_str(json.dumps(prefixed))
prefixed.save(f'{work}/gpt2-prefix.json')
results['gpt2-prefix'] = run(prefixed)
deepseek = train(pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(p), behavior='isolated') for p in json.loads(deepseek_patterns)]
                                         + [pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]))
deepseek.save(f'{work}/deepseek.json')
results['deepseek'] = run(deepseek)
llama = json.loads(train(split_then_bytes(llama_pattern)).to_str())
llama['model']['ignore_merges'] = True
llama['normalizer'] = {'type': 'NFC'}
llama = Tokenizer.from_str(json.dumps(llama))
llama.save(f'{work}/llama.json')
results['llama'] = run(llama)
json.dump(results, open(f'{work}/results.json', 'w'))
`;

interface PythonResult {
  plain: number[][];
  special: number[][];
  bos: number[][];
  decoded: string[];
}

describe('interop with Python tokenizers', async () => {
  const python = await pythonWith(['tokenizers']);
  const dir = await tempDir('tokenizer-interop');
  const texts = [...(await multilingualTexts()), ...fuzzTexts(300, seeded(3))];
  const ours = new Tokenizer(greedyModel(texts.slice(0, 12), 400));
  let results: Record<string, PythonResult> = {};

  before(async () => {
    if (!python) return;
    const corpus: string[] = [];
    for (const code of TRAIN_LANGUAGES) for (const block of await declaration(code)) corpus.push(block.join('\n'));
    await writeFile(join(dir, 'texts.json'), JSON.stringify(texts));
    await writeFile(join(dir, 'corpus.json'), JSON.stringify(corpus));
    await writeTokenizerJson(join(dir, 'ours.json'), ours.model);
    await runPython(python, PROGRAM, [dir, DEFAULT_PATTERN, LLAMA3_PATTERN, JSON.stringify(DEEPSEEK_PATTERNS)]);
    results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as Record<string, PythonResult>;
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  /**
   * Our ids for every text, in each mode, against Python's. With `addSpecial`, a file without a
   * post-processor still gets BOS `<s>` from us (`tokenizers` adds nothing there): `bosAdded`.
   * A tokenizer with a normalizer decodes to the normalized text, one with add_prefix_space to
   * the text with that space (in both libraries).
   */
  function compare(tokenizer: Tokenizer, expected: PythonResult, bosAdded = false): void {
    texts.forEach((original, i) => {
      let text = tokenizer.options.normalization?.length ? original.normalize('NFC') : original;
      if (tokenizer.options.addPrefixSpace && text !== '' && !text.startsWith(' ')) text = ` ${text}`;
      const label = `text ${i} ${JSON.stringify(text.slice(0, 40))}`;
      assert.deepEqual(tokenizer.encode(original), expected.plain[i], `${label}: plain`);
      assert.deepEqual(tokenizer.encode(original, { allowSpecial: true }), expected.special[i], `${label}: special tokens allowed`);
      assert.equal(expected.decoded[i], text, `${label}: Python decodes to the text`);
      assert.equal(tokenizer.decode(expected.plain[i]!), text, `${label}: we decode Python's ids to the text`);
    });
    expected.bos.forEach((ids, i) => {
      assert.deepEqual(tokenizer.encode(texts[i]!, { addSpecial: true }), bosAdded ? [1, ...ids] : ids, `text ${i}: with special tokens added`);
    });
  }

  it('(a) a tokenizer.json we write gives the same ids in Python', { skip: !python && 'no Python tokenizers' }, async () => {
    compare(ours, results.ours!);
    assert.equal(results.ours!.bos[0]![0], 1, 'the template adds BOS <s> = 1');
    compare(await loadTokenizer(join(dir, 'ours.json')), results.ours!);
  });

  for (const name of ['tekken', 'gpt2', 'gpt2-prefix', 'deepseek', 'llama']) {
    it(`(b) a ${name}-style tokenizer.json trained by tokenizers gives the same ids here`, { skip: !python && 'no Python tokenizers' }, async () => {
      const tokenizer = await loadTokenizer(join(dir, `${name}.json`));
      assert.equal(tokenizer.vocabSize, 2000);
      if (name === 'llama') assert.deepEqual([tokenizer.options.ignoreMerges, tokenizer.options.normalization], [true, ['NFC']]);
      compare(tokenizer, results[name]!, true);
    });
  }
});
