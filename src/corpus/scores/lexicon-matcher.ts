/**
 * Counting word-list entries in a text, in one pass over it.
 *
 * Text and entries are compared in one normal form (NFKC, lower case, ’ as '), so `FUCK`, `ｆｕｃｋ`
 * and a decomposed `é` match their list entry. Two kinds of matching:
 * - whole words: the text is cut into words (runs of letters, marks and digits, with inner
 *   apostrophes) and entries, also cut into words, are looked up in a trie of words; a phrase of
 *   several words matches only the same words in a row. `ass` never matches inside `assassin`
 *   or `Scunthorpe`, and punctuation between words does not matter (`s&m` matches `S & M`).
 * - substrings, for scripts written without spaces (Chinese, Japanese, Thai): an Aho-Corasick
 *   automaton over UTF-16 code units, since a word there has no boundary to look for.
 * Matches never overlap: at each position the longest entry wins.
 */

const WORD = /[\p{L}\p{M}\p{N}]+(?:'[\p{L}\p{M}\p{N}]+)*/gu;
/** Scripts written without spaces between words: their entries are matched as substrings. */
const UNSPACED_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;

export function normalizeForMatching(text: string): string {
  const folded = text.normalize('NFKC').toLowerCase();
  return folded.includes('’') ? folded.replaceAll('’', "'") : folded;
}

/** The words of an already normalised text. */
export function wordsOf(normalized: string): string[] {
  return normalized.match(WORD) ?? [];
}

export interface MatchCount {
  /** Entries found (a phrase counts once). */
  matches: number;
  /** Words in the text. */
  words: number;
  /** Letters, marks and digits in the text (the length unit of unspaced scripts). */
  characters: number;
}

interface WordNode {
  next: Map<string, WordNode>;
  /** An entry ends here. */
  end: boolean;
}

/** A compiled word list; `count` runs in time linear in the text. */
export class LexiconMatcher {
  private readonly words: WordNode = { next: new Map(), end: false };
  private readonly substrings: AhoCorasick | undefined;
  /** Entries without any letter or digit (emoji): counted as plain substrings. */
  private readonly symbols: string[] = [];

  constructor(entries: Iterable<string>) {
    const unspaced: string[] = [];
    for (const raw of entries) {
      const entry = normalizeForMatching(raw.trim());
      const words = wordsOf(entry);
      if (UNSPACED_SCRIPT.test(entry)) unspaced.push(entry.replace(/\s+/g, ''));
      else if (words.length > 0) this.addPhrase(words);
      else if (entry.length > 0) this.symbols.push(entry);
    }
    this.substrings = unspaced.length > 0 ? new AhoCorasick(unspaced) : undefined;
  }

  /** Count entries in `text` (raw text: it is normalised here). */
  count(text: string): MatchCount {
    const normalized = normalizeForMatching(text);
    const words = wordsOf(normalized);
    let characters = 0;
    for (const word of words) characters += word.length;
    let matches = this.countPhrases(words);
    for (const symbol of this.symbols) matches += countOccurrences(normalized, symbol);
    // Unspaced scripts rarely separate words with spaces; whitespace inside an entry's match
    // would be a layout artefact, so it is removed before searching.
    if (this.substrings) matches += this.substrings.count(normalized.replace(/\s+/g, ''));
    return { matches, words: words.length, characters };
  }

  private addPhrase(words: string[]): void {
    let node = this.words;
    for (const word of words) {
      let child = node.next.get(word);
      if (!child) {
        child = { next: new Map(), end: false };
        node.next.set(word, child);
      }
      node = child;
    }
    node.end = true;
  }

  /** Leftmost-longest, non-overlapping phrase matches; O(words x longest phrase). */
  private countPhrases(words: string[]): number {
    let matches = 0;
    let i = 0;
    while (i < words.length) {
      let node: WordNode | undefined = this.words;
      let end = -1;
      for (let j = i; j < words.length; j++) {
        node = node.next.get(words[j]!);
        if (!node) break;
        if (node.end) end = j + 1;
      }
      if (end > 0) {
        matches += 1;
        i = end;
      } else {
        i += 1;
      }
    }
    return matches;
  }
}

function countOccurrences(text: string, needle: string): number {
  let count = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length)) count++;
  return count;
}

/**
 * Aho-Corasick over UTF-16 code units. `longest[state]` is the length of the longest entry that
 * ends at that state (through its suffix links), 0 when none does.
 */
class AhoCorasick {
  private readonly next: Map<number, number>[] = [new Map()];
  private readonly fail: number[] = [0];
  private readonly longest: number[] = [0];

  constructor(entries: string[]) {
    for (const entry of entries) this.add(entry);
    this.link();
  }

  /** Non-overlapping matches, taking at each end position the longest entry that fits. */
  count(text: string): number {
    let state = 0;
    let matches = 0;
    let lastEnd = 0;
    for (let i = 0; i < text.length; i++) {
      state = this.step(state, text.charCodeAt(i));
      const length = this.longest[state]!;
      if (length > 0 && i + 1 - length >= lastEnd) {
        matches += 1;
        lastEnd = i + 1;
      }
    }
    return matches;
  }

  private add(entry: string): void {
    let state = 0;
    for (let i = 0; i < entry.length; i++) {
      const code = entry.charCodeAt(i);
      let child = this.next[state]!.get(code);
      if (child === undefined) {
        child = this.next.length;
        this.next.push(new Map());
        this.fail.push(0);
        this.longest.push(0);
        this.next[state]!.set(code, child);
      }
      state = child;
    }
    if (entry.length > 0) this.longest[state] = entry.length;
  }

  /** Breadth-first: suffix links, and each state inherits the longest entry of its suffix. */
  private link(): void {
    const queue: number[] = [...this.next[0]!.values()];
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]!;
      if (this.longest[state] === 0) this.longest[state] = this.longest[this.fail[state]!]!;
      for (const [code, child] of this.next[state]!) {
        this.fail[child] = this.step(this.fail[state]!, code);
        queue.push(child);
      }
    }
  }

  private step(state: number, code: number): number {
    for (;;) {
      const child = this.next[state]!.get(code);
      if (child !== undefined) return child;
      if (state === 0) return 0;
      state = this.fail[state]!;
    }
  }
}
