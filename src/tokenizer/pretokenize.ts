/**
 * Pre-tokenization: cutting text into the pieces that BPE merges never cross. Like a sequence of
 * Hugging Face `Split(pattern, behavior: Isolated)` pre-tokenizers: each pattern's matches become
 * pieces, and so do the stretches between matches; a later pattern cuts each piece of the earlier
 * one on its own (its lookarounds see the piece's ends, not the neighbours).
 */
import { compilePattern } from './pattern.js';

export class PreTokenizer {
  /** Sticky: tested at one position without building a match array (the hot loop). */
  private readonly sticky: RegExp[];
  /** Global: finds where the next match starts after a stretch no match covers. */
  private readonly global: RegExp[];
  private readonly scratch: number[] = [];

  /** `patterns` in tokenizers (Oniguruma) syntax, applied in order; none: every text is one piece. */
  constructor(readonly patterns: readonly string[]) {
    const kept = patterns.filter((p) => p !== '');
    this.sticky = kept.map((p) => compilePattern(p, 'yu'));
    this.global = kept.map((p) => compilePattern(p, 'gu'));
  }

  /**
   * Cuts `text` from offset `from` into pieces, writing the end offset of each into `ends` (cleared
   * first); each piece starts where the previous one ends, the first at `from`. Stops after about
   * `limit` pieces and returns where it stopped (`text.length` when done): calling again from
   * there gives the same pieces as one call would, which bounds memory on huge inputs.
   */
  split(text: string, ends: number[], from = 0, limit = Infinity): number {
    ends.length = 0;
    if (from >= text.length) return text.length;
    if (this.sticky.length === 0) {
      ends.push(text.length);
      return text.length;
    }
    const stop = this.splitWith(0, text, from, 0, ends, limit);
    for (let level = 1; level < this.sticky.length; level++) {
      const outer = this.scratch;
      outer.length = 0;
      for (const end of ends) outer.push(end);
      ends.length = 0;
      let start = from;
      for (const end of outer) {
        this.splitWith(level, text.slice(start, end), 0, start, ends, Infinity);
        start = end;
      }
    }
    return stop;
  }

  /** Pieces of `text` from `from` under pattern `level`, as end offsets shifted by `offset`; returns where it stopped. */
  private splitWith(level: number, text: string, from: number, offset: number, ends: number[], limit: number): number {
    const sticky = this.sticky[level]!;
    const n = text.length;
    let pos = from;
    while (pos < n && ends.length < limit) {
      sticky.lastIndex = pos;
      if (sticky.test(text) && sticky.lastIndex > pos) {
        pos = sticky.lastIndex;
        ends.push(pos + offset);
        continue;
      }
      // No (non-empty) match here: the stretch up to the next match is a piece of its own.
      const next = this.nextMatch(level, text, pos);
      ends.push(next + offset);
      pos = next;
    }
    return pos;
  }

  /** Start of the first non-empty match after `from`, or the end of the text. */
  private nextMatch(level: number, text: string, from: number): number {
    const global = this.global[level]!;
    // Step a whole code point so that no match starts inside a surrogate pair.
    global.lastIndex = from + (text.codePointAt(from)! > 0xffff ? 2 : 1);
    for (;;) {
      const match = global.exec(text);
      if (match === null) return text.length;
      if (match[0].length > 0 && match.index > from) return match.index;
      global.lastIndex = Math.max(global.lastIndex, match.index + 1);
    }
  }
}
