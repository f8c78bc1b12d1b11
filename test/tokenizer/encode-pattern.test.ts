import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilePattern, GPT2_PATTERN, translatePattern } from '../../src/tokenizer/pattern.js';
import { PreTokenizer } from '../../src/tokenizer/pretokenize.js';
import { DEFAULT_PATTERN } from '../../src/tokenizer/types.js';
import { UserError } from '../../src/util/errors.js';

function pieces(patterns: string[], text: string): string[] {
  const ends: number[] = [];
  new PreTokenizer(patterns).split(text, ends);
  let start = 0;
  return ends.map((end) => text.slice(start, (start = end)));
}

describe('tokenizers (Oniguruma) patterns in JavaScript', () => {
  it('gives \\s, \\d, \\w and . their Oniguruma meaning', () => {
    const space = compilePattern('\\s', 'u');
    assert.ok(space.test('\u0085') && space.test('\u3000') && space.test('\u2028'));
    assert.ok(!space.test('\ufeff') && !space.test('\u200b'));
    assert.ok(compilePattern('^\\d$', 'u').test('٣'), 'Unicode digits');
    assert.ok(compilePattern('^\\w+$', 'u').test('naïve_日本'), 'Unicode word characters');
    assert.ok(compilePattern('^.$', 'u').test('\r'), '. excludes only \\n');
    assert.ok(compilePattern('[^\\s\\p{L}]', 'u').test('\ufeff') && !compilePattern('[^\\s\\p{L}]', 'u').test('\u0085'));
  });

  it('expands case-insensitive groups, folds included', () => {
    assert.equal(translatePattern("(?i:'s|'t)x"), "(?:'[sSſ]|'[tT])x");
    const llama = compilePattern("^(?i:'s|'ll)$", 'u');
    for (const yes of ["'s", "'S", "'ſ", "'ll", "'LL", "'lL"]) assert.ok(llama.test(yes), yes);
    assert.ok(!llama.test("'x"));
    assert.ok(compilePattern('^(?i:k)$', 'u').test('\u212a'), 'Kelvin sign folds to k');
    assert.ok(compilePattern('^a(?i)b$', 'u').test('aB'), 'inline flag to the end of the group');
  });

  it('reads escaped punctuation, \\h, \\e as Oniguruma does', () => {
    assert.ok(compilePattern("^\\-\\'\\ \\#[\\-\\!]$", 'u').test("-' #!"));
    assert.ok(compilePattern('^\\h+\\e$', 'u').test('09aF\x1b'));
  });

  it('translates script properties and braced hex escapes', () => {
    assert.ok(compilePattern('^\\p{Han}+$', 'u').test('中文'));
    assert.ok(compilePattern('^\\x{4E2D}$', 'u').test('中'));
    assert.ok(compilePattern('^\\p{^L}$', 'u').test('1'));
  });

  it('refuses what JavaScript cannot express, saying what and where', () => {
    for (const [pattern, what] of [
      ['a++', /possessive quantifier at offset 1/],
      ['(?>ab)', /atomic group/],
      ['[a-z&&[^aeiou]]', /nested character class|intersection/],
      ['[[:alpha:]]', /POSIX bracket/],
      ['\\bword', /\\b/],
      ['[\\S]', /\\S inside a character class/],
      ['(?i:[a-z])', /range in a case-insensitive class/],
    ] as const) {
      assert.throws(() => compilePattern(pattern), (err: Error) => err instanceof UserError && what.test(err.message), pattern);
    }
    assert.throws(() => compilePattern('\\p{NoSuchProperty}'), /unknown Unicode property/);
  });

  it('keeps the default (tekken) and GPT-2 patterns as they are apart from \\s', () => {
    assert.equal(translatePattern(DEFAULT_PATTERN).replaceAll('[^\\t-\\r\\x85\\p{Z}]', '\\S').replaceAll('[\\t-\\r\\x85\\p{Z}]', '\\s').replaceAll('\\t-\\r\\x85\\p{Z}', '\\s'), DEFAULT_PATTERN);
    assert.deepEqual(pieces([GPT2_PATTERN], "Hello world's 123  x"), ['Hello', ' world', "'s", ' 123', ' ', ' x']);
  });
});

describe('PreTokenizer', () => {
  it('cuts like the tekken split: case changes, single digits, punctuation runs, newlines', () => {
    assert.deepEqual(pieces([DEFAULT_PATTERN], 'HelloWorld 2024!!\n\n  x'), ['Hello', 'World', ' ', '2', '0', '2', '4', '!!\n\n', ' ', ' x']);
  });

  it('keeps the stretches between matches as pieces (Split with behavior Isolated)', () => {
    assert.deepEqual(pieces(['a+'], 'xxaayaa'), ['xx', 'aa', 'y', 'aa']);
    assert.deepEqual(pieces(['a*'], 'xax'), ['x', 'a', 'x'], 'empty matches cut nothing');
    assert.deepEqual(pieces(['\\d'], 'ab😀c1'), ['ab😀c', '1']);
  });

  it('applies several patterns in turn, each within the pieces of the one before', () => {
    assert.deepEqual(pieces(['\\p{N}{1,3}', ' ?\\p{L}+|\\p{N}+'], 'ab12345 cd'), ['ab', '123', '45', ' cd']);
    assert.deepEqual(pieces([], 'no split at all'), ['no split at all']);
    assert.deepEqual(pieces([''], 'x y'), ['x y']);
  });

  it('resumes where it stopped with the same pieces as one pass', () => {
    const text = 'one two, three\n  four 5 six'.repeat(10);
    const all = pieces([DEFAULT_PATTERN], text);
    const splitter = new PreTokenizer([DEFAULT_PATTERN]);
    const ends: number[] = [];
    const resumed: string[] = [];
    let start = 0;
    while (start < text.length) {
      const stop = splitter.split(text, ends, start, 7);
      for (const end of ends) resumed.push(text.slice(start, (start = end)));
      start = stop;
    }
    assert.deepEqual(resumed, all);
  });
});
