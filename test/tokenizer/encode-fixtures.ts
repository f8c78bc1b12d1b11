/**
 * Shared fixtures of the tokenizer tests: multilingual text (UDHR in many scripts plus hard
 * cases), and a small BPE model made by a plain greedy merge loop, independent of the project's
 * trainer, so that the encoder can be tested against it and against Python `tokenizers`.
 */
import { BYTE_TO_CHAR } from '../../src/tokenizer/bytes.js';
import { PreTokenizer } from '../../src/tokenizer/pretokenize.js';
import { APERTUS_SPECIAL_TOKENS, DEFAULT_PATTERN, type BpeModel } from '../../src/tokenizer/types.js';
import { declaration } from '../../tools/udhr.js';

/** Scripts: Latin, Cyrillic, Greek, Han, Kana, Hangul, Arabic, Hebrew, Devanagari, Thai, Tamil, Georgian, Armenian, Ethiopic, Khmer, Myanmar, Tibetan. */
export const TEST_LANGUAGES = ['eng', 'deu_1996', 'fra', 'vie', 'tur', 'rus', 'ell_monotonic', 'cmn_hans', 'jpn', 'kor', 'arb', 'heb', 'hin', 'tha', 'tam', 'kat', 'hye', 'amh', 'khm', 'mya', 'bod'];

export const HARD_CASES = [
  '',
  ' ',
  'Hello, world! How are you?',
  "I'm sure they'll say it's FINE, don't you THINK? We'VE seen 'em.",
  "folds: it'\u017f IT'S they'LL we'Ve I'M he'D o'\u212a",
  'emoji 👍🏽 family 👨‍👩‍👧‍👦 flag 🇨🇭 heart ❤️ 🙂🙂🙂',
  'runs of spaces:  two   three    four\t\ttabs \n\n  \r\n end   ',
  '   leading and trailing   ',
  '\n\n\n\r\n\r\r\n \n',
  'digits 1234567890 3.14159 1,000,000 ١٢٣٤ ४५६ ①②③ ½',
  'x\u0085\u0085\u0085y \ufeff\ufeff z  \ufeff \u0085\n\u0085',
  'spaces: a\u0085b\ufeffc\u00a0d\u2028e\u2029f\u3000g\u200bh\u180ei',
  'marks: e\u0301 n\u0303 a\u0300\u0301\u0302 ḱ̃ \u0301start',
  'code: function f(x) { return x ** 2; } // comment\n\tif (a !== b) { call(a, b); }',
  'url https://example.com/path/to?q=1&r=2#frag and a@b.example',
  'camelCase XMLHttpRequest HelloWorld ÉCOLE ÆSIR Ǆemal ǅemal',
  'punctuation!!! ??? ... --- /// \n//\n...\n',
  'special strings <s> and </s> and <unk><pad> as plain text',
  '中华人民共和国是工人阶级领导的、以工农联盟为基础的人民民主专政的社会主义国家。人人生而自由，在尊严和权利上一律平等。他们赋有理性和良心，并应以兄弟关系的精神相对待。',
  'a'.repeat(300),
  ' '.repeat(120) + 'x',
  '9'.repeat(200),
  'Zürich, Genève, Lugano — «citoyens» “quoted” ‘single’ ¿qué? ¡sí!',
  '\u0000\u0001\u001f\u007f control characters \u0007',
];

/** Characters where pre-tokenizers disagree most easily: odd spaces, marks, folds, scripts, emoji parts. */
const FUZZ_CHARS = [...' \t\n\r\u000b\u00a0\u0085\u1680\u2028\u3000\ufeff\u200b\u200daZzéßİǅ\u0301\u0308\u0f71\u05b0109٣½Ⅻ!.,\'"/\\$€_-~sSſkK\u212a中あア한اאक\u094dไ\u0e31'].concat(['😀', '👍🏽', '🇨🇭', '𝔘', '\u{10ffff}']);

/** `count` random strings of up to 40 characters from `FUZZ_CHARS`. Deterministic. */
export function fuzzTexts(count: number, random: () => number): string[] {
  return Array.from({ length: count }, () => Array.from({ length: 1 + Math.floor(random() * 40) }, () => FUZZ_CHARS[Math.floor(random() * FUZZ_CHARS.length)]!).join(''));
}

/** About `paragraphs` paragraphs of each test language, plus the hard cases. */
export async function multilingualTexts(paragraphs = 4): Promise<string[]> {
  const texts: string[] = [];
  for (const code of TEST_LANGUAGES) {
    const blocks = await declaration(code);
    texts.push(blocks.slice(0, paragraphs).map((b) => b.join('\n')).join('\n\n'));
  }
  return [...texts, ...HARD_CASES];
}

/**
 * A BPE model by the textbook greedy loop: count adjacent pairs over the pre-tokens, merge the most
 * frequent (ties: the smaller pair by string order), repeat. Ids: the special tokens 0-3, then the
 * 256 bytes in byte order, then one per merge.
 */
export function greedyModel(texts: string[], mergeCount: number, pattern = DEFAULT_PATTERN): BpeModel {
  const preTokenizer = new PreTokenizer([pattern]);
  const counts = new Map<string, number>();
  const ends: number[] = [];
  const encoder = new TextEncoder();
  for (const text of texts) {
    preTokenizer.split(text, ends);
    let start = 0;
    for (const end of ends) {
      const piece = text.slice(start, end);
      counts.set(piece, (counts.get(piece) ?? 0) + 1);
      start = end;
    }
  }
  const words = [...counts].map(([piece, count]) => ({ symbols: [...encoder.encode(piece)].map((b) => BYTE_TO_CHAR[b]!), count }));
  const vocab = new Map<string, number>();
  const firstId = APERTUS_SPECIAL_TOKENS.length;
  for (let b = 0; b < 256; b++) vocab.set(BYTE_TO_CHAR[b]!, firstId + b);
  const merges: [string, string][] = [];
  while (merges.length < mergeCount) {
    const pairs = new Map<string, number>();
    for (const { symbols, count } of words) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]}\u0000${symbols[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + count);
      }
    }
    let best = '';
    let bestCount = 1;
    for (const [key, count] of pairs) if (count > bestCount || (count === bestCount && key < best)) [best, bestCount] = [key, count];
    if (best === '') break;
    const [left, right] = best.split('\u0000') as [string, string];
    merges.push([left, right]);
    if (!vocab.has(left + right)) vocab.set(left + right, firstId + vocab.size);
    for (const word of words) {
      const out: string[] = [];
      for (let i = 0; i < word.symbols.length; i++) {
        if (word.symbols[i] === left && word.symbols[i + 1] === right) out.push(left + right), i++;
        else out.push(word.symbols[i]!);
      }
      word.symbols = out;
    }
  }
  return { vocab, merges, specialTokens: APERTUS_SPECIAL_TOKENS, pattern };
}
