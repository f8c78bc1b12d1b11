import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveLanguage } from '../../src/corpus/quality/language.js';
import { duplicateNGramChars, firstNGramChars, internInBuckets, internWords, topNGram } from '../../src/corpus/quality/ngrams.js';
import { builtInStopWords, ENGLISH_STOP_WORDS } from '../../src/corpus/quality/stopwords.js';
import { countSentences, endsWithTerminalPunctuation, findDuplicates, lineSpans, splitLines } from '../../src/corpus/quality/text.js';
import { documentWords, segmentWords } from '../../src/corpus/quality/words.js';
import { seeded } from '../helpers/corpus.js';

function tokens(text: string, label = 'en'): string[] {
  return segmentWords(text, resolveLanguage(label)).tokens;
}

function words(text: string, label = 'en'): string[] {
  const w = segmentWords(text, resolveLanguage(label));
  return w.tokens.filter((_, i) => w.isWord[i]);
}

test('language labels from fastText and GlotLID map to BCP 47 tags', () => {
  assert.deepEqual(resolveLanguage('de'), { tag: 'de', primary: 'de' });
  assert.deepEqual(resolveLanguage('deu_Latn'), { tag: 'de-Latn', primary: 'de' });
  assert.deepEqual(resolveLanguage('cmn_Hani'), { tag: 'zh-Hani', primary: 'zh' });
  assert.deepEqual(resolveLanguage('__label__ja'), { tag: 'ja', primary: 'ja' });
  assert.equal(resolveLanguage('arb_Arab').primary, 'ar');
  assert.equal(resolveLanguage(undefined).primary, 'en');
  assert.equal(resolveLanguage('not a language!').primary, 'und');
  assert.equal(resolveLanguage(42).primary, 'und');
});

test('spaced scripts: words and punctuation tokens as a word tokenizer gives them', () => {
  assert.deepEqual(tokens("Hello, world... it's the U.S. e-mail #tag!!! 1,000 3.14"), [
    'Hello', ',', 'world', '...', "it's", 'the', 'U.S', '.', 'e-mail', '#', 'tag', '!!!', '1,000', '3.14',
  ]);
  assert.deepEqual(words("L'homme naît libre; les Menschenwürde-Prinzipien gelten überall.", 'fr'), [
    "L'homme", 'naît', 'libre', 'les', 'Menschenwürde-Prinzipien', 'gelten', 'überall',
  ]);
  // Combining marks stay in their word (decomposed Vietnamese, Devanagari vowel signs).
  assert.deepEqual(words('Mo\u0323i người đều có quyền', 'vi'), ['Mo\u0323i', 'người', 'đều', 'có', 'quyền']);
  assert.deepEqual(words('सभी मनुष्यों को गौरव', 'hi'), ['सभी', 'मनुष्यों', 'को', 'गौरव']);
  assert.deepEqual(words('모든 인간은 태어날 때부터', 'ko'), ['모든', '인간은', '태어날', '때부터']);
  assert.deepEqual(words('Все люди рождаются свободными', 'ru'), ['Все', 'люди', 'рождаются', 'свободными']);
});

test('Chinese, Japanese and Thai are measured in words, not in space-separated chunks', () => {
  const zh = words('人人生而自由，在尊严和权利上一律平等。', 'zh');
  assert.ok(zh.length >= 8 && zh.length <= 14, zh.join('|'));
  assert.ok(zh.includes('自由') && zh.includes('权利'), zh.join('|'));
  const ja = words('すべての人間は、生まれながらにして自由であり、かつ、尊厳と権利とについて平等である。', 'ja');
  assert.ok(ja.length >= 12, ja.join('|'));
  assert.ok(ja.includes('人間') && ja.includes('自由'), ja.join('|'));
  const th = words('มนุษย์ทั้งหลายเกิดมามีอิสระและเสมอภาคกัน', 'th');
  assert.ok(th.length >= 5, th.join('|'));
  // Mixed scripts: the Latin words are scanned, the Han run segmented.
  assert.deepEqual(words('Apertus 模型 is open', 'en').filter((w) => /[a-z]/i.test(w)), ['Apertus', 'is', 'open']);
  // Full-stop tokens of no-space scripts are punctuation, not words.
  const all = segmentWords('好的。', resolveLanguage('zh'));
  assert.deepEqual(all.tokens, ['好的', '。']);
  assert.deepEqual(all.isWord, [true, false]);
});

test('offsets point at each token and the letter flags follow Python isalpha', () => {
  const text = 'Año 2024: 東京 — ok';
  const w = segmentWords(text, resolveLanguage('es'));
  w.tokens.forEach((t, i) => assert.equal(text.slice(w.starts[i]!, w.starts[i]! + t.length), t));
  assert.deepEqual(w.tokens, ['Año', '2024', ':', '東京', '—', 'ok']);
  assert.deepEqual(w.hasLetter, [true, false, false, true, false, true]);
  assert.equal(w.wordCount, 4);
});

test('documentWords segments once and again only when the text or language changes', () => {
  const doc = { text: 'one two three', metadata: {} as Record<string, unknown> };
  const first = documentWords(doc);
  assert.equal(documentWords(doc), first);
  doc.text = 'one two';
  const second = documentWords(doc);
  assert.notEqual(second, first);
  assert.equal(second.tokens.length, 2);
  doc.metadata.language = 'de';
  assert.notEqual(documentWords(doc), second);
});

test('stop words: datatrove English list, stopwords-iso elsewhere, none for unlisted languages', () => {
  assert.deepEqual([...builtInStopWords('en')!], ENGLISH_STOP_WORDS);
  assert.ok(builtInStopWords('de')!.has('und'));
  assert.ok(builtInStopWords('fr')!.has('les'));
  assert.ok(builtInStopWords('zh')!.has('的'));
  assert.equal(builtInStopWords('zh')!.has('。'), false);
  assert.ok(builtInStopWords('fil')!.size > 0);
  assert.equal(builtInStopWords('ka'), undefined);
});

test('lines split as Python splitlines; spans match', () => {
  assert.deepEqual(splitLines('a\nb\r\nc\rd\u2028e\n'), ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(splitLines(''), []);
  assert.deepEqual(splitLines('\n\nx'), ['', '', 'x']);
  const text = ' a \r\nbb\n\nc';
  assert.deepEqual([...lineSpans(text)].map(([s, e]) => text.slice(s, e)), splitLines(text));
  assert.deepEqual(findDuplicates(['x', 'yy', 'x', 'yy', 'yy']), [3, 5]);
});

test('terminal punctuation and sentences in many scripts', () => {
  for (const line of ['Done.', 'Really?', 'Yes!', 'He said "no"', '完了。', '本当？', 'هل هذا صحيح؟', 'यह सच है।', 'Ընդունված է։', '«Oui»']) {
    assert.ok(endsWithTerminalPunctuation(line), line);
  }
  for (const line of ['Home', 'Read more…', 'Menu:', 'a, b,']) assert.equal(endsWithTerminalPunctuation(line), false, line);
  assert.equal(countSentences('One. Two! Three? Four'), 4);
  assert.equal(countSentences('第一句。第二句！第三句？'), 3);
  assert.equal(countSentences('He left (for good). Then "she" came.'), 2);
});

/** datatrove's string-based definitions, to check the id-based ones against. */
function naiveTop(ws: string[], n: number): number {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= ws.length; i++) {
    const gram = ws.slice(i, i + n).join(' ');
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  let best: [string, number] | undefined;
  for (const entry of counts) if (best === undefined || entry[1] > best[1]) best = entry;
  return best === undefined ? 0 : best[0].length * best[1];
}

function naiveDuplicate(ws: string[], n: number): number {
  const seen = new Set<string>();
  let repeated = 0;
  let i = 0;
  while (i < ws.length - n + 1) {
    const gram = ws.slice(i, i + n).join('\u0000');
    if (seen.has(gram)) {
      repeated += gram.length - (n - 1);
      i += n;
    } else {
      seen.add(gram);
      i += 1;
    }
  }
  return repeated;
}

test('n-gram repetition counts equal the string-based definitions on random texts', () => {
  const random = seeded(11);
  const vocabulary = ['a', 'bb', 'ccc', 'the', 'cat', 'sat', ',', '.', 'mat', 'x'];
  for (let round = 0; round < 200; round++) {
    const length = Math.floor(random() * 60);
    const ws = Array.from({ length }, () => vocabulary[Math.floor(random() * (2 + (round % 9)))]!);
    const interned = internWords(ws);
    let distinct = false;
    for (const n of [2, 3, 4, 5, 6]) {
      const top = topNGram(interned, n);
      assert.equal(top.chars, naiveTop(ws, n), `top ${n} of ${ws.join(' ')}`);
      // The shortcut for distinct n-grams gives the same figure.
      if (distinct) assert.equal(firstNGramChars(interned, n), top.chars);
      distinct ||= top.count === 1;
    }
    for (const n of [5, 6, 7, 8, 9, 10]) {
      assert.equal(duplicateNGramChars(interned, n), naiveDuplicate(ws, n), `dup ${n} of ${ws.join(' ')}`);
    }
  }
});

test('interning in buckets (documents beyond one Map) gives equal ids to equal words only', () => {
  const ws = ['a', 'bb', 'a', 'ccc', 'bb', 'dddd', 'a'];
  const { ids, lengths } = internInBuckets(ws);
  for (let i = 0; i < ws.length; i++) {
    for (let j = 0; j < ws.length; j++) assert.equal(ids[i] === ids[j], ws[i] === ws[j]);
    assert.equal(lengths[i], ws[i]!.length);
  }
});
