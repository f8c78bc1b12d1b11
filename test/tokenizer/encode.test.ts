import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { BYTE_TO_CHAR, byteLevelToBytes, bytesToByteLevel, forEachUtf8Run, utf8Into } from '../../src/tokenizer/bytes.js';
import { compilePattern } from '../../src/tokenizer/pattern.js';
import { Tokenizer } from '../../src/tokenizer/tokenizer.js';
import { APERTUS_SPECIAL_TOKENS, type BpeModel } from '../../src/tokenizer/types.js';
import { seeded } from '../helpers/corpus.js';
import { greedyModel, multilingualTexts } from './encode-fixtures.js';

/** The textbook BPE on strings: merge the lowest-ranked adjacent pair, leftmost first, until none. */
function referenceEncode(model: BpeModel, text: string): number[] {
  const ranks = new Map(model.merges.map(([a, b], rank) => [`${a}\u0000${b}`, rank]));
  const ids: number[] = [];
  const encoder = new TextEncoder();
  for (const match of text.matchAll(compilePattern(model.pattern))) {
    let symbols = [...encoder.encode(match[0])].map((b) => BYTE_TO_CHAR[b]!);
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = ranks.get(`${symbols[i]}\u0000${symbols[i + 1]}`);
        if (rank !== undefined && rank < bestRank) [best, bestRank] = [i, rank];
      }
      if (best < 0) break;
      symbols = [...symbols.slice(0, best), symbols[best]! + symbols[best + 1]!, ...symbols.slice(best + 2)];
    }
    ids.push(...symbols.map((s) => model.vocab.get(s)!));
  }
  return ids;
}

function randomBytes(random: () => number, length: number): Uint8Array {
  // Mostly ASCII and UTF-8 lead/continuation bytes, so that valid and broken sequences both occur.
  const pool = [0x41, 0x20, 0x0a, 0x80, 0xbf, 0xc2, 0xc3, 0xe2, 0xed, 0xf0, 0xf4, 0xff, 0xa0, 0x9f, 0x82];
  return Uint8Array.from({ length }, () => (random() < 0.5 ? pool[Math.floor(random() * pool.length)]! : Math.floor(random() * 256)));
}

describe('byte-level alphabet and UTF-8 helpers', () => {
  it('maps the 256 bytes to distinct printable characters, as GPT-2 does', () => {
    assert.equal(new Set(BYTE_TO_CHAR).size, 256);
    assert.deepEqual([BYTE_TO_CHAR[0x20], BYTE_TO_CHAR[0x0a], BYTE_TO_CHAR[0x41], BYTE_TO_CHAR[0x00], BYTE_TO_CHAR[0xad]], ['Ġ', 'Ċ', 'A', 'Ā', 'Ń']);
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    assert.deepEqual(byteLevelToBytes(bytesToByteLevel(all)), all);
    assert.equal(byteLevelToBytes('<s>\u4e2d'), undefined);
  });

  it('writes UTF-8 like TextEncoder, lone surrogates included', () => {
    const out = new Uint8Array(64);
    for (const text of ['a', 'ü', '中', '👍🏽', 'x\ud800y', '\udc00', 'end\ud83d']) {
      assert.deepEqual(out.slice(0, utf8Into(text, 0, text.length, out)), new TextEncoder().encode(text), JSON.stringify(text));
    }
  });

  it('splits bytes into well-formed UTF-8 runs and stray bytes', () => {
    const cases: [number[], string][] = [
      [[0x61, 0xc3, 0xbc, 0x62], 'T0-4'],
      [[0x61, 0xc0, 0x80, 0x62], 'T0-1 B1 B2 T3-4'], // overlong
      [[0xed, 0xa0, 0x80], 'B0 B1 B2'], // surrogate
      [[0xf4, 0x90, 0x80, 0x80], 'B0 B1 B2 B3'], // beyond U+10FFFF
      [[0xe2, 0x82, 0x61], 'B0 B1 T2-3'], // cut short
      [[0xf0, 0x9f, 0x91, 0x8d, 0xff], 'T0-4 B4'],
    ];
    for (const [bytes, expected] of cases) {
      const parts: string[] = [];
      forEachUtf8Run(Uint8Array.from(bytes), (s, e) => parts.push(`T${s}-${e}`), (i) => parts.push(`B${i}`));
      assert.equal(parts.join(' '), expected, bytes.map((b) => b.toString(16)).join(' '));
    }
  });
});

describe('Tokenizer', () => {
  let texts: string[] = [];
  let model: BpeModel;
  let tokenizer: Tokenizer;
  before(async () => {
    texts = await multilingualTexts(3);
    model = greedyModel(texts.slice(0, 10), 600);
    tokenizer = new Tokenizer(model);
  });

  it('gives the ids of the textbook BPE on every script, short and long pre-tokens alike', () => {
    for (const text of texts) assert.deepEqual(tokenizer.encode(text), referenceEncode(model, text), JSON.stringify(text.slice(0, 50)));
  });

  it('round-trips any text exactly, and gives the same ids with a tiny cache or one long input', () => {
    const tiny = new Tokenizer(model, { cacheSize: 16 });
    for (const text of texts) {
      const ids = tokenizer.encode(text);
      assert.equal(tokenizer.decode(ids), text);
      assert.deepEqual(tokenizer.decodeBytes(ids), new TextEncoder().encode(text));
      assert.deepEqual(tiny.encode(text), ids);
    }
    // More pre-tokens than one round of the pre-tokenizer handles.
    const long = 'word, more words\n'.repeat(30_000);
    assert.deepEqual(tokenizer.encode(long), referenceEncode(model, long));
  });

  it('encodes raw bytes without losing one, valid UTF-8 or not', () => {
    const random = seeded(5);
    for (let round = 0; round < 200; round++) {
      const bytes = randomBytes(random, 1 + Math.floor(random() * 80));
      assert.deepEqual(tokenizer.decodeBytes(tokenizer.encodeBytes(bytes)), bytes);
    }
    for (const text of texts) assert.deepEqual(tokenizer.encodeBytes(new TextEncoder().encode(text)), tokenizer.encode(text));
    // A stray byte is its own byte token; the text around it is encoded as text.
    const broken = Uint8Array.from([...new TextEncoder().encode('abc'), 0xff, ...new TextEncoder().encode('def')]);
    assert.deepEqual(tokenizer.encodeBytes(broken), [...tokenizer.encode('abc'), tokenizer.tokenToId(BYTE_TO_CHAR[0xff]!)!, ...tokenizer.encode('def')]);
    assert.equal(tokenizer.decode(tokenizer.encodeBytes(broken)), 'abc\ufffddef');
  });

  it('reads special-token strings as plain text unless allowed, and adds BOS on request', () => {
    const text = 'x <s>y</s><pad>';
    assert.ok(!tokenizer.encode(text).some((id) => id < 4));
    assert.deepEqual(tokenizer.encode(text, { allowSpecial: true }), [...tokenizer.encode('x '), 1, ...tokenizer.encode('y'), 2, 3]);
    assert.deepEqual(tokenizer.encode('hi', { addSpecial: true }), [1, ...tokenizer.encode('hi')]);
    const ids = tokenizer.encode(text, { allowSpecial: true });
    assert.equal(tokenizer.decode(ids), text);
    assert.equal(tokenizer.decode(ids, { skipSpecial: true }), 'x y');
    assert.equal(tokenizer.specialId('</s>'), 2);
    assert.equal(tokenizer.specialId('<mask>'), undefined);
    assert.throws(() => tokenizer.decode([tokenizer.vocabSize]), /not in the vocabulary/);
  });

  it('always cuts out added tokens that are not special, as tokenizers does', () => {
    const added = new Tokenizer({ ...model, specialTokens: [...APERTUS_SPECIAL_TOKENS, { content: '<tab>', id: tokenizer.vocabSize, special: false }] });
    assert.deepEqual(added.encode('a<tab>b'), [...added.encode('a'), tokenizer.vocabSize, ...added.encode('b')]);
    assert.equal(added.decode(added.encode('a<tab>b'), { skipSpecial: true }), 'a<tab>b');
  });

  it('applies ignore_merges, normalization and add_prefix_space when a tokenizer.json asks', () => {
    // A vocabulary entry that the merges cannot reach: with ignore_merges a whole pre-token matching it is that entry.
    const extra: BpeModel = { ...model, vocab: new Map([...model.vocab, ['ĠzqxjÃ¼', model.vocab.size + 4]]) };
    assert.notDeepEqual(new Tokenizer(extra).encode(' zqxjü'), [model.vocab.size + 4]);
    assert.deepEqual(new Tokenizer(extra, { ignoreMerges: true }).encode(' zqxjü'), [model.vocab.size + 4]);
    const nfc = new Tokenizer(model, { normalization: ['NFC'] });
    assert.deepEqual(nfc.encode('e\u0301'), tokenizer.encode('\u00e9'));
    assert.deepEqual(new Tokenizer(model, { addPrefixSpace: true }).encode('word'), tokenizer.encode(' word'));
  });

  it('stands in for missing byte tokens with <0xXX> fallback, <unk> (fused) or nothing', () => {
    const vocab = new Map(model.vocab);
    vocab.delete(BYTE_TO_CHAR[0x7e]!); // '~', in no merge of this model
    const lacking: BpeModel = { ...model, vocab, merges: model.merges.filter(([a, b]) => !(a + b).includes('~')) };
    assert.deepEqual(new Tokenizer(lacking).encode('~~'), []);
    assert.deepEqual(new Tokenizer(lacking, { unknownToken: '<unk>' }).encode('~~'), [0, 0]);
    assert.deepEqual(new Tokenizer(lacking, { unknownToken: '<unk>', fuseUnknown: true }).encode('~~'), [0]);
    const fallback: BpeModel = { ...lacking, specialTokens: [...APERTUS_SPECIAL_TOKENS, { content: '<0x7E>', id: 9000, special: false }] };
    assert.deepEqual(new Tokenizer(fallback, { byteFallback: true }).encode('~'), [9000]);
  });
});
