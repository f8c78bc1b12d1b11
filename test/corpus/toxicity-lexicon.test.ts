import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lexiconDensity, lexiconListFor, createLexiconScorer } from '../../src/corpus/scores/lexicon.js';
import { LexiconMatcher } from '../../src/corpus/scores/lexicon-matcher.js';

const matches = (text: string, list: string) => lexiconDensity(text, list) > 0;

describe('lexicon scorer: whole words', () => {
  it('finds English entries whatever the case and punctuation around them', () => {
    assert.ok(matches('You are an ASSHOLE!', 'en'));
    assert.ok(matches('what the fuck,', 'en'));
    assert.ok(matches('"Shit" he said', 'en'));
  });

  it('never matches inside a longer innocent word (the Scunthorpe problem)', () => {
    assert.equal(lexiconDensity('The assassin from Scunthorpe passed the class in Essex.', 'en'), 0);
    assert.equal(lexiconDensity('Wir angelten einen Barsch, du Arsch.', 'de'), 1000 / 6);
    assert.equal(lexiconDensity('Ein Barsch schwimmt.', 'de'), 0);
  });

  it('matches German, French and Spanish entries, with Unicode normalisation', () => {
    assert.ok(matches('Du bist ein Arschloch.', 'de'));
    assert.ok(matches('Quelle merde !', 'fr'));
    assert.ok(matches('¡Qué cabrón!', 'es'));
    // A decomposed ó (o + combining acute) and fullwidth Latin letters match their entries.
    assert.ok(matches('¡Qué cabro\u0301n!', 'es'));
    assert.ok(matches('ｆｕｃｋ', 'en'));
    assert.equal(lexiconDensity('Una cabra y un cabrito.', 'es'), 0);
  });

  it('matches a phrase only as the same words in a row, across spaces and line breaks', () => {
    assert.ok(matches('espèce de fils\nde   pute', 'fr'));
    assert.equal(lexiconDensity('le fils de la voisine', 'fr'), 0);
    // A phrase counts once, not once per word: 1 match in 7 words.
    assert.equal(lexiconDensity('look at two girls one cup there', 'en'), 1000 / 7);
  });

  it('does not count overlapping entries twice', () => {
    const matcher = new LexiconMatcher(['bad', 'bad word', 'word']);
    assert.equal(matcher.count('a bad word here').matches, 1);
    assert.equal(matcher.count('bad bad word word').matches, 3);
  });

  it('counts entries without letters (emoji) as substrings', () => {
    assert.equal(new LexiconMatcher(['🖕']).count('hey 🖕🖕 you').matches, 2);
  });
});

describe('lexicon scorer: languages without spaces', () => {
  it('matches Chinese and Japanese entries as substrings', () => {
    assert.ok(matches('你他妈的在干什么', 'zh'));
    assert.ok(matches('おっぱいが大きい', 'ja'));
    assert.equal(lexiconDensity('今天天气很好，我们去公园散步吧。', 'zh'), 0);
  });

  it("drops C4's allowlisted entries that are common parts of innocent words", () => {
    assert.equal(lexiconDensity('这种可能性很大', 'zh'), 0);
    assert.equal(lexiconDensity('女の子が学校に行きます', 'ja'), 0);
  });

  it('matches Latin entries of a Japanese list as whole words only', () => {
    assert.ok(matches('これは3pです', 'ja') === false);
    assert.ok(matches('これは 3p です', 'ja'));
    assert.equal(lexiconDensity('width: 3px;', 'ja'), 0);
  });

  it('measures density per 1,000 characters there', () => {
    // 8 characters, one match.
    assert.equal(lexiconDensity('你他妈的在干什么', 'zh'), 1000 / 8);
  });
});

describe('lexicon scorer: density and language', () => {
  it('scores matches per 1,000 words, so repeating a document does not change its score', () => {
    const one = 'this is a short text with one shit in it';
    assert.equal(lexiconDensity(one, 'en'), 100);
    assert.equal(lexiconDensity(Array(10).fill(one).join('\n'), 'en'), 100);
    assert.equal(lexiconDensity('', 'en'), 0);
  });

  it('maps language labels to lists, falling back to English', () => {
    assert.equal(lexiconListFor('de'), 'de');
    assert.equal(lexiconListFor('DE-ch'), 'de');
    assert.equal(lexiconListFor('deu_Latn'), 'de');
    assert.equal(lexiconListFor('__label__fr'), 'fr');
    assert.equal(lexiconListFor('cmn_Hani'), 'zh');
    assert.equal(lexiconListFor('zh-Hant'), 'zh');
    assert.equal(lexiconListFor('nb'), 'no');
    assert.equal(lexiconListFor('fr-CA'), 'fr-CA');
    assert.equal(lexiconListFor('swh_Latn'), 'en');
    assert.equal(lexiconListFor('constructor'), 'en');
    assert.equal(lexiconListFor(undefined), 'en');
  });

  it('reads the language from the metadata; Quebec French adds its own list', () => {
    const scorer = createLexiconScorer();
    const doc = (text: string, language?: string) => ({ id: 'x', text, metadata: language ? { language } : {} });
    assert.equal(scorer.name, 'lexicon');
    assert.ok(scorer.score(doc('du bist ein arschloch', 'deu_Latn')) > 0);
    assert.equal(scorer.score(doc('du bist ein arschloch', 'en')), 0);
    assert.ok(scorer.score(doc('you asshole')) > 0);
    assert.equal(scorer.score(doc('tabarnak de char', 'fr')), 0);
    assert.ok(scorer.score(doc('tabarnak de char', 'fr-CA')) > 0);
  });

  it('is linear in the text: 2 MB scores quickly', () => {
    const text = 'lorem ipsum dolor sit amet shit consectetur adipiscing elit '.repeat(35_000);
    const start = performance.now();
    const score = lexiconDensity(text, 'en');
    assert.equal(score, 1000 / 9);
    assert.ok(performance.now() - start < 2000);
  });
});
