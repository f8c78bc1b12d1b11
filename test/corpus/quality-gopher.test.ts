import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import type { ExtraCounters, Verdict } from '../../src/corpus/step.js';
import { createGopherQualityStep, gopherQualityOptions } from '../../src/corpus/steps/gopher-quality.js';
import { createGopherRepetitionStep, gopherRepetitionOptions } from '../../src/corpus/steps/gopher-repetition.js';
import { distinctWords, doc, udhrText } from './quality-fixtures.js';

function reason(verdict: Verdict): string {
  return verdict.keep ? 'keep' : verdict.reason;
}

const quality = createGopherQualityStep();
const repetition = createGopherRepetitionStep();

function judge(text: string, language?: string, step = quality): string {
  return reason(step.apply(doc(text, language), {}));
}

test('options default to datatrove thresholds', () => {
  const q = z.object(gopherQualityOptions).parse({});
  assert.deepEqual(
    [q.min_doc_words, q.max_doc_words, q.min_avg_word_length, q.max_avg_word_length, q.max_symbol_word_ratio],
    [50, 100_000, 3, 10, 0.1],
  );
  assert.deepEqual([q.max_bullet_lines_ratio, q.max_ellipsis_lines_ratio, q.max_non_alpha_words_ratio, q.min_stop_words], [0.9, 0.3, 0.8, 2]);
  const r = z.object(gopherRepetitionOptions).parse({});
  assert.deepEqual([r.dup_line_frac, r.dup_para_frac, r.dup_line_char_frac, r.dup_para_char_frac], [0.3, 0.3, 0.2, 0.2]);
  assert.deepEqual(r.top_n_grams, [[2, 0.2], [3, 0.18], [4, 0.16]]);
  assert.deepEqual(r.dup_n_grams, [[5, 0.15], [6, 0.14], [7, 0.13], [8, 0.12], [9, 0.11], [10, 0.1]]);
  assert.throws(() => createGopherQualityStep({ min_doc_words: -1 }));
});

test('gopher_quality keeps clean prose in English, German, French, Chinese and Japanese', async () => {
  for (const [code, language] of [['eng', 'en'], ['deu_1996', 'de'], ['fra', 'fr'], ['cmn_hans', 'zh'], ['jpn', 'ja']] as const) {
    assert.equal(judge(await udhrText(code), language), 'keep', code);
  }
});

test('gopher_quality: each rule fires on a crafted document', async () => {
  const english = await udhrText('eng');
  const german = await udhrText('deu_1996');
  const lines = english.split('\n');
  assert.equal(judge('The cat sat on the mat with the hat.'), 'gopher_short_doc');
  assert.equal(judge('Die Katze sitzt auf der Matte und schläft.', 'de'), 'gopher_short_doc');
  assert.equal(judge('the word '.repeat(50_001)), 'gopher_long_doc');
  assert.equal(judge('I am on it, as we go to be so, and the ox is in it. '.repeat(10)), 'gopher_below_avg_threshold');
  assert.equal(judge('Donaudampfschifffahrtsgesellschaft und die Kapitänsmützenfabrikation. '.repeat(20), 'de'), 'gopher_above_avg_threshold');
  assert.equal(judge(english + ' #tag'.repeat(80)), 'gopher_too_many_hashes');
  assert.equal(judge(german + ' ...'.repeat(80), 'de'), 'gopher_too_many_ellipsis');
  assert.equal(judge(english + ' …'.repeat(80)), 'gopher_too_many_ellipsis');
  assert.equal(judge(lines.map((l) => `- ${l}`).join('\n')), 'gopher_too_many_bullets');
  assert.equal(judge(lines.map((l) => `• ${l}`).join('\n')), 'gopher_too_many_bullets');
  assert.equal(judge(lines.map((l, i) => (i % 2 === 0 ? `${l} …` : l)).join('\n')), 'gopher_too_many_end_ellipsis');
  assert.equal(judge(english + ' 1234 5678 9012'.repeat(60)), 'gopher_below_alpha_threshold');
  // datatrove counts punctuation tokens as words without a letter.
  assert.equal(judge(english.replace(/ /g, ' , ')), 'gopher_below_alpha_threshold');
  const noStopWords = 'Rivers mountains forests valleys deserts oceans islands plains. '.repeat(10);
  assert.equal(judge(noStopWords), 'gopher_enough_stop_words');
  // Stop words are matched as written, as datatrove does: "The" is not "the".
  assert.equal(judge(`The ${noStopWords} With`), 'gopher_enough_stop_words');
  assert.equal(judge(`the ${noStopWords} with`), 'keep');
});

test('gopher_quality in other languages: per-language stop words and word lengths', async () => {
  const noGermanStopWords = 'Flüsse Berge Wälder Täler Wüsten Ozeane Inseln Ebenen. '.repeat(10);
  assert.equal(judge(noGermanStopWords, 'de'), 'gopher_enough_stop_words');
  assert.equal(judge(`${noGermanStopWords} und die`, 'de'), 'keep');
  // English stop words do not count in a French document.
  assert.equal(judge('Rivières montagnes forêts vallées déserts océans îles plaines. '.repeat(8) + 'the of and', 'fr'), 'gopher_enough_stop_words');
  // Given lists replace the built-in ones, per language or everywhere.
  const custom = createGopherQualityStep({ stop_words: { deu: ['Flüsse'] } });
  assert.equal(judge(noGermanStopWords, 'de', custom), 'keep');
  const everywhere = createGopherQualityStep({ stop_words: ['Berge'] });
  assert.equal(judge(noGermanStopWords, 'de', everywhere), 'keep');
  // A language without a list skips the rule, and says so in a counter.
  const extra: ExtraCounters = {};
  const georgian = 'ადამიანი დაბადებული თავისუფალი თანასწორი ღირსებით უფლებებით აღჭურვილი. '.repeat(10);
  assert.equal(reason(quality.apply(doc(georgian, 'ka'), extra)), 'keep');
  assert.deepEqual(extra, { gopher_stop_words_unavailable: 1 });
  // Chinese words are ~1.7 characters: kept by the zh default, removed with English thresholds.
  const chinese = await udhrText('cmn_hans');
  assert.equal(judge(chinese, 'zh'), 'keep');
  assert.equal(judge(chinese, 'zh', createGopherQualityStep({ language_thresholds: {} })), 'gopher_below_avg_threshold');
  // 40 Chinese characters are one space-separated chunk but about 25 words: too short for 50.
  assert.equal(judge('人人生而自由，在尊严和权利上一律平等。他们赋有理性和良心，并应以兄弟关系的精神相对待。', 'zh'), 'gopher_short_doc');
  // Thresholds are options; null turns a rule off.
  assert.equal(judge('The cat sat on the mat with the hat.', 'en', createGopherQualityStep({ min_doc_words: 5 })), 'keep');
  assert.equal(judge('The cats sat upon the mats of the house.', 'en', createGopherQualityStep({ min_doc_words: null })), 'keep');
});

test('gopher_quality: empty, whitespace and punctuation-only documents are short, not a crash', () => {
  assert.equal(judge(''), 'gopher_short_doc');
  assert.equal(judge(' \n\t '), 'gopher_short_doc');
  assert.equal(judge('!!! ??? ...', 'en', createGopherQualityStep({ min_doc_words: null })), 'gopher_too_many_ellipsis');
});

test('gopher_repetition keeps clean prose in several languages', async () => {
  for (const [code, language] of [['eng', 'en'], ['deu_1996', 'de'], ['fra', 'fr'], ['cmn_hans', 'zh']] as const) {
    assert.equal(judge(await udhrText(code), language, repetition), 'keep', code);
  }
});

test('gopher_repetition: each rule fires on a crafted document', async () => {
  const paragraphs = (await udhrText('eng')).split('\n');
  const judgeRep = (text: string, language?: string) => judge(text, language, repetition);
  assert.equal(judgeRep(''), 'gopher_repetition_empty');
  assert.equal(judgeRep('\n \n'), 'gopher_repetition_empty');
  const fewParagraphs = paragraphs.slice(0, 6);
  assert.equal(judgeRep([...fewParagraphs, ...fewParagraphs.slice(0, 3)].join('\n\n')), 'gopher_repetition_dup_para_frac');
  const longest = [...paragraphs].sort((a, b) => b.length - a.length)[0]!;
  const distinct = paragraphs.filter((p) => p !== longest).slice(0, 8);
  assert.equal(judgeRep([longest, ...distinct, longest].join('\n\n')), 'gopher_repetition_dup_para_char_frac');
  const menu = paragraphs.slice(0, 10).flatMap((p) => [p, 'Home', 'Contact']).join('\n');
  assert.equal(judgeRep(menu), 'gopher_repetition_dup_line_frac');
  assert.equal(judgeRep([longest, ...distinct, longest].join('\n')), 'gopher_repetition_dup_line_char_frac');

  const filler = (count: number, prefix: string) => distinctWords(count, prefix).join(' ');
  // One 2-gram everywhere; nothing longer repeats.
  const pairs = distinctWords(120, 'a').map((w) => `${w} the cat`).join(' ');
  assert.equal(judgeRep(pairs), 'gopher_repetition_top_2_gram');
  // A 3-gram repeated 15 times (240 of ~1000 characters) whose 2-grams stay under 20%.
  const triple = distinctWords(15, 'b').map((w) => `alpha beta gamma ${w} ${filler(5, w)}`).join(' ');
  assert.equal(judgeRep(triple), 'gopher_repetition_top_3_gram');
  // A 4-gram 20 times in ~2,200 characters: 4-gram 20%, its 3-grams 14.5%.
  const quadruple = distinctWords(20, 'c').map((w) => `alpha beta gamma delta ${w} ${filler(14, w)}`).join(' ');
  assert.equal(judgeRep(quadruple), 'gopher_repetition_top_4_gram');
  // datatrove's own example: a repeated sentence before ordinary text (~300 characters).
  const solo =
    'I am a solo traveller '.repeat(4) +
    'Everyone has the right to life, liberty and security of person. No one shall be held in slavery or servitude; ' +
    'slavery and the slave trade shall be prohibited in all their forms. No one shall be subjected to torture.';
  assert.equal(judgeRep(solo), 'gopher_repetition_duplicated_5_n_grams');
  const onlyTen = createGopherRepetitionStep({ top_n_grams: [], dup_n_grams: [[10, 0.1]] });
  assert.equal(judge(solo, 'en', onlyTen), 'gopher_repetition_duplicated_10_n_grams');
});

test('gopher_repetition measures Chinese repetition in words', async () => {
  const chinese = (await udhrText('cmn_hans')).split('\n');
  const sentence = '人人有权享有生命、自由和人身安全';
  const repeated = [...chinese.slice(0, 16), ...Array.from({ length: 6 }, (_, i) => `${sentence}，第${i}次重复。`)].join('');
  assert.equal(judge(repeated, 'zh', repetition), 'gopher_repetition_duplicated_5_n_grams');
  assert.equal(judge(chinese.slice(0, 16).join(''), 'zh', repetition), 'keep');
});
