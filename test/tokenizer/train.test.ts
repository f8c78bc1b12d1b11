/**
 * Byte-level BPE training: merges worked out by hand, ids, vocabulary size, minimum frequency,
 * determinism, memory (distinct pre-tokens only), and byte-exact round trips of multilingual text
 * through a reference BPE applier written here.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BYTE_TO_CHAR } from '../../src/tokenizer/bytes.js';
import { Tokenizer } from '../../src/tokenizer/tokenizer.js';
import { trainBpe, type TrainProgress } from '../../src/tokenizer/train.js';
import { countPretokens } from '../../src/tokenizer/train-counts.js';
import { APERTUS_SPECIAL_TOKENS, DEFAULT_PATTERN, type BpeModel } from '../../src/tokenizer/types.js';
import { declaration, mulberry32 } from '../../tools/udhr.js';

/** Sennrich et al.'s toy corpus, one word per text so that each word is one pre-token. */
const TOY = [...Array(5).fill('low'), ...Array(2).fill('lower'), ...Array(6).fill('newest'), ...Array(3).fill('widest')] as string[];

/**
 * Worked out by hand (pair counts; ties go to the smaller (left id, right id), and ids follow the
 * code point of the byte's character, then merge order):
 * e s 9 = s t 9 -> `es` (e < s); es t 9; l o 7 = o w 7 -> `lo`; lo w 7; e w = n e = w est 6 ->
 * `ew` (e < n < w); n ew = ew est 6 -> `new` (n < ew, an older id); new est 6; d est = i d = w i 3
 * -> `dest`; i dest = w i 3 -> `idest`; w idest 3; e r = low e 2 -> `er` (e < low); low er 2.
 */
const TOY_MERGES = ['e s', 'es t', 'l o', 'lo w', 'e w', 'n ew', 'new est', 'd est', 'i dest', 'w idest', 'e r', 'low er'];

const merges = (model: BpeModel) => model.merges.map(([a, b]) => `${a} ${b}`);
const serialize = (model: BpeModel) => JSON.stringify({ ...model, vocab: [...model.vocab] });

test('learns the merges of a toy corpus worked out by hand, with ids in merge order', async () => {
  const model = await trainBpe(TOY, { vocabSize: 1000 });
  assert.deepEqual(merges(model), TOY_MERGES);
  // Training stops when no pair is left: 4 special tokens + 256 bytes + 12 merges.
  assert.equal(model.vocab.size, 256 + 12);
  TOY_MERGES.forEach((merge, i) => assert.equal(model.vocab.get(merge.replace(' ', '')), 260 + i));
  assert.equal(model.pattern, DEFAULT_PATTERN);
});

test('special tokens take ids 0..3, the 256 bytes the next ids, ordered by code point', async () => {
  const model = await trainBpe(TOY, { vocabSize: 300 });
  assert.deepEqual(model.specialTokens, APERTUS_SPECIAL_TOKENS);
  const byteIds = BYTE_TO_CHAR.map((c) => model.vocab.get(c));
  assert.deepEqual([...byteIds].sort((a, b) => a! - b!), Array.from({ length: 256 }, (_, i) => 4 + i));
  assert.equal(model.vocab.get('!'), 4);
  assert.equal(model.vocab.get('ÿ'), 4 + 187);
  assert.equal(model.vocab.get(BYTE_TO_CHAR[0]!), 4 + 188);
  for (const special of APERTUS_SPECIAL_TOKENS) assert.equal(model.vocab.has(special.content), false);
});

test('the vocabulary size counts special tokens and bytes, and is met exactly', async () => {
  const model = await trainBpe(TOY, { vocabSize: 265 });
  assert.deepEqual(merges(model), TOY_MERGES.slice(0, 5));
  const lines = (await declaration('eng')).flat();
  const udhr = await trainBpe(lines, { vocabSize: 700 });
  assert.equal(udhr.vocab.size + udhr.specialTokens.length, 700);
  assert.equal(Math.max(...udhr.vocab.values()), 699);
});

test('minFrequency stops before the first pair seen fewer times, leaving the vocabulary smaller', async () => {
  assert.deepEqual(merges(await trainBpe(TOY, { vocabSize: 1000, minFrequency: 3 })), TOY_MERGES.slice(0, 10));
  assert.deepEqual(merges(await trainBpe(TOY, { vocabSize: 1000, minFrequency: 7 })), TOY_MERGES.slice(0, 4));
  // The default is 2: a pair seen once is never merged.
  assert.deepEqual(merges(await trainBpe(['once'], { vocabSize: 1000 })), []);
  // Three pairs seen once each: the smallest left id (c < n < o) goes first.
  assert.deepEqual(merges(await trainBpe(['once'], { vocabSize: 1000, minFrequency: 1 })), ['c e', 'n ce', 'o nce']);
});

test('deterministic: same texts give the same model, whatever their order or streaming', async () => {
  const lines = (await Promise.all(['eng', 'fra', 'rus'].map(declaration))).flat(2);
  const first = serialize(await trainBpe(lines, { vocabSize: 800 }));
  assert.equal(serialize(await trainBpe(lines, { vocabSize: 800 })), first);
  const random = mulberry32(3);
  const shuffled = lines.map((line) => [random(), line] as const).sort((a, b) => a[0] - b[0]).map(([, line]) => line);
  async function* slowly(texts: string[]) {
    for (const text of texts) {
      await new Promise((resolve) => setImmediate(resolve));
      yield text;
    }
  }
  assert.equal(serialize(await trainBpe(slowly(shuffled), { vocabSize: 800 })), first);
});

test('memory: counts hold the distinct pre-tokens only, however often the corpus repeats', async () => {
  const lines = (await declaration('deu_1996')).flat();
  const once = await countPretokens(lines, { pattern: DEFAULT_PATTERN });
  const reports: TrainProgress[] = [];
  function* repeated() {
    for (let r = 0; r < 200; r++) yield* lines;
  }
  const many = await countPretokens(repeated(), { pattern: DEFAULT_PATTERN, onProgress: (p) => reports.push(p) });
  assert.equal(many.size, once.size);
  for (const [piece, count] of once) assert.equal(many.get(piece), 200 * count);
  assert.ok(reports.length > 1);
  assert.ok(reports.every((p) => p.phase === 'count' && p.distinctPretokens <= once.size));
});

test('maxPretokenLength leaves longer pre-tokens out of the counts (in UTF-8 bytes: " été" is 6)', async () => {
  const counts = await countPretokens(['word ' + '='.repeat(50) + ' été'], { pattern: DEFAULT_PATTERN, maxPretokenLength: 6 });
  assert.deepEqual([...counts.keys()], ['word', ' été']);
});

test('reports progress through both phases, ending with the merges done', async () => {
  const reports: TrainProgress[] = [];
  await trainBpe(TOY, { vocabSize: 1000, onProgress: (p) => reports.push(p) });
  assert.deepEqual(reports.at(0), { phase: 'count', texts: TOY.length, characters: TOY.join('').length, distinctPretokens: 4 });
  assert.deepEqual(reports.at(-1), { phase: 'merge', merges: 12, target: 740 });
});

test('rejects a vocabulary smaller than special tokens + 256 bytes, and special ids that are not 0..n-1', async () => {
  await assert.rejects(trainBpe(TOY, { vocabSize: 259 }), /vocabulary size must be a whole number >= 260/);
  await assert.rejects(trainBpe(TOY, { vocabSize: 300, specialTokens: [{ content: '<s>', id: 1, special: true }] }), /ids 0..0/);
  const none = await trainBpe(TOY, { vocabSize: 300, specialTokens: [] });
  assert.equal(none.vocab.get('!'), 0);
});

/** Greedy BPE as the model defines it: repeatedly merge the adjacent pair of lowest rank. */
function referenceEncode(model: BpeModel, text: string): number[] {
  const ranks = new Map(model.merges.map(([a, b], rank) => [`${a} ${b}`, rank]));
  const ids: number[] = [];
  for (const piece of text.match(new RegExp(DEFAULT_PATTERN, 'gu')) ?? []) {
    let symbols = [...Buffer.from(piece, 'utf8')].map((b) => BYTE_TO_CHAR[b]!);
    for (;;) {
      let best = -1;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (rank !== undefined && (best < 0 || rank < ranks.get(`${symbols[best]} ${symbols[best + 1]}`)!)) best = i;
      }
      if (best < 0) break;
      const [left, right] = [symbols[best]!, symbols[best + 1]!];
      const next: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (symbols[i] === left && symbols[i + 1] === right) next.push(left + right), i++;
        else next.push(symbols[i]!);
      }
      symbols = next;
    }
    for (const symbol of symbols) ids.push(model.vocab.get(symbol)!);
  }
  return ids;
}

test('multilingual: trained on the UDHR in 10 languages and 9 scripts, text round-trips byte for byte', async () => {
  const codes = ['eng', 'deu_1996', 'rus', 'arb', 'hin', 'cmn_hans', 'jpn', 'tha', 'kor', 'ell_monotonic'];
  const lines = (await Promise.all(codes.map(declaration))).flat(2);
  const model = await trainBpe(lines, { vocabSize: 3000 });
  assert.equal(model.vocab.size + 4, 3000);
  const byId = new Map([...model.vocab].map(([token, id]) => [id, token]));
  const tokenizer = new Tokenizer(model);
  let bytes = 0;
  let tokens = 0;
  for (const line of [...lines.slice(0, 400), 'Emoji 🙂🚀 and unseen ẞ ǅ ꙮ 𝔘 text\r\n\t', '']) {
    const ids = referenceEncode(model, line);
    const back = Buffer.from(ids.map((id) => byId.get(id)!).join('').split('').map((c) => BYTE_TO_CHAR.indexOf(c)));
    assert.deepEqual(back, Buffer.from(line, 'utf8'), line);
    assert.deepEqual(tokenizer.encode(line), ids, line);
    bytes += back.length;
    tokens += ids.length;
  }
  // Compression a 3k vocabulary should reach on its own training text.
  assert.ok(bytes / tokens > 2.5, `${bytes / tokens} bytes per token`);
});
