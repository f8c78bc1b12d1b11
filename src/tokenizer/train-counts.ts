/**
 * The counting phase of BPE training: pre-tokenize every text with the split regex and count each
 * distinct pre-token. Texts stream through one at a time, so memory grows with the number of
 * distinct pre-tokens (a Map entry each), never with the size of the corpus.
 */
import { PreTokenizer } from './pretokenize.js';

export interface CountProgress {
  phase: 'count';
  /** Texts read so far. */
  texts: number;
  /** UTF-16 code units read so far (about bytes for Latin scripts). */
  characters: number;
  /** Distinct pre-tokens so far: what the memory of this phase grows with. */
  distinctPretokens: number;
}

export interface CountOptions {
  /** Pre-tokenization regex, in `tokenizers` (Oniguruma) syntax as pattern.ts translates it. */
  pattern: string;
  /**
   * Pre-tokens longer than this many UTF-8 bytes are left out of the counts (their bytes stay
   * encodable through the byte alphabet). Guards memory and merge time against runs of
   * punctuation or whitespace thousands of bytes long; no limit when undefined.
   */
  maxPretokenLength?: number;
  onProgress?(progress: CountProgress): void;
}

/** Report progress about every this many characters: often enough for a bar, cheap enough to ignore. */
const PROGRESS_EVERY = 1 << 20;

/** Distinct pre-token -> number of occurrences over all `texts`. */
export async function countPretokens(
  texts: AsyncIterable<string> | Iterable<string>,
  options: CountOptions,
): Promise<Map<string, number>> {
  const preTokenizer = new PreTokenizer([options.pattern]);
  const counts = new Map<string, number>();
  const limit = options.maxPretokenLength ?? Infinity;
  const progress: CountProgress = { phase: 'count', texts: 0, characters: 0, distinctPretokens: 0 };
  let nextReport = PROGRESS_EVERY;
  for await (const text of texts) {
    addPretokens(text, preTokenizer, counts, limit);
    progress.texts++;
    progress.characters += text.length;
    if (options.onProgress && progress.characters >= nextReport) {
      nextReport = progress.characters + PROGRESS_EVERY;
      options.onProgress({ ...progress, distinctPretokens: counts.size });
    }
  }
  options.onProgress?.({ ...progress, distinctPretokens: counts.size });
  return counts;
}

/** Pieces cut per round: bounds the offsets held at once when one text is huge. */
const PIECES_PER_ROUND = 65_536;

/**
 * Counts the pre-tokens of one text into `counts`, cut exactly as the encoder cuts them
 * (pretokenize.ts: the text between matches is a piece too, as in `tokenizers`' `Split`).
 */
export function addPretokens(text: string, preTokenizer: PreTokenizer, counts: Map<string, number>, maxLength = Infinity): void {
  const ends: number[] = [];
  for (let from = 0; from < text.length; ) {
    let start = from;
    from = preTokenizer.split(text, ends, from, PIECES_PER_ROUND);
    for (const end of ends) {
      const piece = text.slice(start, end);
      start = end;
      // A UTF-16 code unit is at most 3 UTF-8 bytes: measure bytes only when it could matter.
      if (piece.length * 3 > maxLength && Buffer.byteLength(piece, 'utf8') > maxLength) continue;
      counts.set(piece, (counts.get(piece) ?? 0) + 1);
    }
  }
}
