import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { documentWords, segmentWords } from '../../src/corpus/quality/words.js';
import { resolveLanguage } from '../../src/corpus/quality/language.js';
import { KEEP, KEEP_MODIFIED, type ExtraCounters, type Verdict } from '../../src/corpus/step.js';
import { c4QualityOptions, createC4QualityStep } from '../../src/corpus/steps/c4-quality.js';
import { createFinewebQualityStep, finewebQualityOptions } from '../../src/corpus/steps/fineweb-quality.js';
import { doc, udhrText } from './quality-fixtures.js';

function reason(verdict: Verdict): string {
  return verdict.keep ? (verdict.modified ? 'modified' : 'keep') : verdict.reason;
}

const c4 = createC4QualityStep();
const fineweb = createFinewebQualityStep();

const SENTENCES = [
  'Everyone has the right to life, liberty and security of person.',
  'No one shall be held in slavery or servitude.',
  'No one shall be subjected to torture or to cruel treatment.',
  'Everyone has the right to recognition everywhere as a person before the law.',
  'All are equal before the law and are entitled to equal protection.',
];
const PROSE = SENTENCES.join('\n');

test('options default to datatrove thresholds', () => {
  const c = z.object(c4QualityOptions).parse({});
  assert.deepEqual(
    [c.split_paragraph, c.remove_citations, c.filter_no_terminal_punct, c.min_num_sentences, c.min_words_per_line, c.max_word_length],
    [true, true, true, 5, 3, 1000],
  );
  assert.deepEqual([c.filter_lorem_ipsum, c.filter_javascript, c.filter_curly_bracket, c.filter_policy], [true, true, true, true]);
  const f = z.object(finewebQualityOptions).parse({});
  assert.deepEqual(
    [f.line_punct_thr, f.line_punct_exclude_zero, f.short_line_thr, f.short_line_length, f.char_duplicates_ratio, f.new_line_ratio],
    [0.12, false, 0.67, 30, 0.1, 0.3],
  );
});

test('c4_quality keeps clean prose unchanged and drops unpunctuated lines (KEEP_MODIFIED)', async () => {
  assert.equal(c4.apply(doc(PROSE), {}), KEEP);
  const extra: ExtraCounters = {};
  const d = doc(`Article 3\n${PROSE}\nShare this page`);
  assert.equal(c4.apply(d, extra), KEEP_MODIFIED);
  assert.equal(d.text, PROSE);
  assert.deepEqual(extra, { c4_line_no_terminal_punct: 2 });
  // The words of the rewritten text are handed on to the next filter, equal to a fresh segmentation.
  const handedOn = documentWords(d);
  assert.deepEqual(handedOn, segmentWords(d.text, resolveLanguage('en')));
  for (const [code, language] of [['deu_1996', 'de'], ['fra', 'fr'], ['cmn_hans', 'zh'], ['jpn', 'ja'], ['arb', 'ar'], ['hin', 'hi'], ['tha', 'th']]) {
    const text = await udhrText(code!, 300);
    assert.match(reason(c4.apply(doc(text, language), {})), /keep|modified/, code);
  }
});

test('c4_quality: each line rule and document rule', () => {
  const lineRule = (line: string, language?: string) => {
    const extra: ExtraCounters = {};
    const d = doc(`${PROSE}\n${line}`, language);
    const verdict = c4.apply(d, extra);
    return verdict.keep ? Object.keys(extra).join(',') || (d.text.includes(line) ? 'kept' : 'changed') : verdict.reason;
  };
  assert.equal(lineRule('Read more'), 'c4_line_no_terminal_punct');
  assert.equal(lineRule('To be continued...'), 'c4_line_no_terminal_punct');
  assert.equal(lineRule('Click here.'), 'c4_line_too_few_words');
  assert.equal(lineRule('Please enable JavaScript to view the comments.'), 'c4_line_javascript');
  assert.equal(lineRule('This site uses cookies to improve your experience.'), 'c4_line_policy');
  assert.equal(lineRule('Diese Website verwendet Cookies für Statistiken.', 'de'), 'c4_line_policy');
  assert.equal(lineRule('Wir lesen die Datenschutzerklärung gerne vor.', 'fr'), 'kept');
  assert.equal(lineRule(`A word ${'x'.repeat(1001)} here.`), 'c4_line_too_long_word');
  assert.equal(lineRule('Lorem ipsum dolor sit amet, consectetur.'), 'c4_lorem_ipsum');
  assert.equal(lineRule('The function returns { ok: true } here.'), 'c4_curly_bracket');
  // The document rules look only at lines that survive the line rules, as in datatrove.
  assert.equal(lineRule('function f() { return 1 }'), 'c4_line_no_terminal_punct');
  assert.equal(lineRule('He was born in 1950.[1]'), 'changed');
  assert.equal(reason(c4.apply(doc(SENTENCES.slice(0, 4).join('\n')), {})), 'c4_too_few_sentences');
  assert.equal(reason(c4.apply(doc(SENTENCES.slice(0, 3).join(' ') + ' One more here. And a fifth.'), {})), 'keep');
  assert.equal(reason(c4.apply(doc(''), {})), 'c4_too_few_sentences');
  assert.equal(reason(c4.apply(doc(' \n \n'), {})), 'c4_too_few_sentences');
});

test('c4_quality in other scripts: full stops of every script, words counted by the segmenter', () => {
  // Each line is one chunk for a whitespace split, but 5-10 words: kept.
  const chinese = ['人人生而自由，在尊严和权利上一律平等。', '他们赋有理性和良心。', '人人有权享有生命、自由和人身安全。', '任何人不得使为奴隶或奴役。', '法律之前人人平等。', '第一条'];
  const d = doc(chinese.join('\n'), 'zh');
  assert.equal(c4.apply(d, {}), KEEP_MODIFIED);
  assert.equal(d.text, chinese.slice(0, 5).join('\n'));
  const arabic = 'هل هذا صحيح في كل مكان؟';
  const hindi = 'सभी मनुष्यों को गौरव और अधिकारों के मामले में जन्मजात स्वतन्त्रता प्राप्त है।';
  const mixed = doc([...SENTENCES.slice(0, 4), arabic, hindi].join('\n'));
  assert.equal(reason(c4.apply(mixed, {})), 'keep');
  // Thai ends sentences with a space: lines are not asked for punctuation.
  const thai = 'มนุษย์ทั้งหลายเกิดมามีอิสระและเสมอภาคกันในเกียรติศักดิ์และสิทธิ';
  assert.equal(reason(c4.apply(doc(Array(5).fill(thai).join('\n'), 'th'), {})), 'keep');
  assert.equal(reason(c4.apply(doc(Array(5).fill(thai).join('\n'), 'en'), {})), 'c4_too_few_sentences');
});

test('c4_quality options: sentence mode, switches, policy phrases', () => {
  const sentences = createC4QualityStep({ split_paragraph: false });
  const d = doc(`${SENTENCES.join(' ')} Read more`);
  assert.equal(sentences.apply(d, {}), KEEP_MODIFIED);
  assert.equal(d.text, SENTENCES.join(' '));
  const lenient = createC4QualityStep({ filter_no_terminal_punct: false, min_num_sentences: -1, filter_curly_bracket: false });
  assert.equal(reason(lenient.apply(doc('Home page of the site\nconst x = { a: 1 }'), {})), 'keep');
  const custom = createC4QualityStep({ policy_substrings: ['all rights reserved'] });
  const extra: ExtraCounters = {};
  assert.equal(custom.apply(doc(`${PROSE}\nCopyright 2024, all rights reserved.`), extra), KEEP_MODIFIED);
  assert.deepEqual(extra, { c4_line_policy: 1 });
});

test('fineweb_quality keeps clean prose in several languages', async () => {
  for (const [code, language] of [['eng', 'en'], ['deu_1996', 'de'], ['fra', 'fr'], ['cmn_hans', 'zh'], ['jpn', 'ja'], ['tha', 'th']]) {
    assert.equal(reason(fineweb.apply(doc(await udhrText(code!), language), {})), 'keep', code);
  }
});

test('fineweb_quality: each rule fires on a crafted document', async () => {
  const english = await udhrText('eng');
  const judge = (text: string, language?: string, step = fineweb) => reason(step.apply(doc(text, language), {}));
  assert.equal(judge(''), 'fineweb_empty');
  assert.equal(judge('\n  \n\t\n'), 'fineweb_empty');
  const unpunctuated = english.replace(/[.!?;:]/g, '');
  assert.equal(judge(unpunctuated), 'fineweb_line_punct_ratio');
  assert.equal(judge(unpunctuated, 'en', createFinewebQualityStep({ line_punct_exclude_zero: true })), 'keep');
  // Chinese full stops count as terminal punctuation; stop_chars can narrow that to datatrove's.
  const chinese = await udhrText('cmn_hans');
  assert.equal(judge(chinese, 'zh'), 'keep');
  assert.equal(judge(chinese, 'zh', createFinewebQualityStep({ stop_chars: ['.', '!', '?', '"', "'"] })), 'fineweb_line_punct_ratio');
  const menu = ['Home', 'About us', 'Products', 'Contact', 'Blog', 'Everyone has the right to life, liberty and security of person.'];
  assert.equal(judge(menu.join('\n') + '\n' + SENTENCES[1]), 'fineweb_short_line_ratio');
  const lines = english.split('\n');
  assert.equal(judge([...lines, ...lines.slice(0, 6)].join('\n')), 'fineweb_char_dup_ratio');
  // Newlines per word: a list of three-word items, each ending in a full stop, all distinct.
  const list = Array.from({ length: 40 }, (_, i) => `Item number ${i} is on sale, with free delivery today.`).join('\n\n\n\n');
  assert.equal(judge(list), 'fineweb_list_ratio');
});
