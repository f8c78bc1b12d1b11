/**
 * Overlap of a generated continuation with the true one, on token ids (R7): ROUGE-L (longest
 * common subsequence; precision, recall, F1 as `rouge_score`'s rougeL on tokens), the longest
 * common contiguous substring, and exact match. Sequences are any integer arrays.
 */

type Ids = ArrayLike<number>;

/** Length of the longest common subsequence of `a` and `b` (O(|a| |b|) time, O(|b|) memory). */
export function lcsLength(a: Ids, b: Ids): number {
  if (a.length === 0 || b.length === 0) return 0;
  let previous = new Int32Array(b.length + 1);
  let current = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      current[j] = a[i - 1] === b[j - 1] ? previous[j - 1]! + 1 : Math.max(previous[j]!, current[j - 1]!);
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length]!;
}

export interface RougeScore {
  precision: number;
  recall: number;
  f1: number;
}

/**
 * ROUGE-L of `candidate` against `reference`: lcs / |candidate|, lcs / |reference| and their
 * harmonic mean (0 when either is empty or nothing is shared), as `rouge_score` computes rougeL.
 */
export function rougeL(reference: Ids, candidate: Ids): RougeScore {
  const lcs = lcsLength(reference, candidate);
  if (lcs === 0) return { precision: 0, recall: 0, f1: 0 };
  const precision = lcs / candidate.length;
  const recall = lcs / reference.length;
  return { precision, recall, f1: (2 * precision * recall) / (precision + recall) };
}

/** Length of the longest run of consecutive tokens that `a` and `b` share. */
export function longestCommonSubstring(a: Ids, b: Ids): number {
  let best = 0;
  let previous = new Int32Array(b.length + 1);
  let current = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      current[j] = a[i - 1] === b[j - 1] ? previous[j - 1]! + 1 : 0;
      if (current[j]! > best) best = current[j]!;
    }
    [previous, current] = [current, previous];
  }
  return best;
}

/** Whether `candidate` is exactly `reference` (same length, same ids). */
export function exactMatch(reference: Ids, candidate: Ids): boolean {
  if (reference.length !== candidate.length) return false;
  for (let i = 0; i < reference.length; i++) if (reference[i] !== candidate[i]) return false;
  return true;
}

/** The three memorization scores of one continuation of `length` S tokens (R7). */
export interface ContinuationScore {
  exact_match: number;
  rouge_l: number;
  /** longest common contiguous substring / S */
  lccs: number;
}

export function scoreContinuation(reference: Ids, candidate: Ids): ContinuationScore {
  return {
    exact_match: exactMatch(reference, candidate) ? 1 : 0,
    rouge_l: rougeL(reference, candidate).f1,
    lccs: reference.length === 0 ? 0 : longestCommonSubstring(reference, candidate) / reference.length,
  };
}
