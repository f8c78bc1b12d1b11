import type { Matrix } from './matrix.js';
import { LOSS } from './model-file.js';

/**
 * fastText's output layer at prediction time (Loss::predict and its subclasses): from the hidden
 * vector (the average of a text's input rows) to the k most likely labels, as log(p + 1e-5) the
 * way fastText reports them.
 */

/** fastText's std_log(0): labels below this are never reported. */
const MIN_LOG = Math.log(1e-5);

// fastText's one-vs-all and negative-sampling outputs go through its 512-step sigmoid table.
const SIGMOID_TABLE = Float64Array.from({ length: 513 }, (_, i) => 1 / (1 + Math.exp(-((i * 16) / 512 - 8))));
function tableSigmoid(x: number): number {
  if (x < -8) return 0;
  if (x > 8) return 1;
  return SIGMOID_TABLE[Math.trunc(((x + 8) * 512) / 16)]!;
}

export interface Scored {
  /** Index into the model's labels. */
  index: number;
  /** log(p + 1e-5) */
  logProb: number;
}

export class OutputLayer {
  /** Hierarchical softmax: children of each tree node (-1 for leaves, which are the labels), and parents (-1 for the root). */
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly parent: Int32Array;

  constructor(
    private readonly loss: number,
    private readonly labels: number,
    /** hs: one row per inner tree node; otherwise one row per label */
    private readonly output: Matrix,
    labelCounts: number[],
  ) {
    [this.left, this.right] = huffmanTree(labelCounts);
    this.parent = new Int32Array(this.left.length).fill(-1);
    this.left.forEach((child, node) => child >= 0 && (this.parent[child] = node));
    this.right.forEach((child, node) => child >= 0 && (this.parent[child] = node));
  }

  /** The k best labels for `hidden` (dim), best first. */
  best(hidden: Float64Array, k: number): Scored[] {
    const best: Scored[] = [];
    if (this.loss === LOSS.hs) this.searchTree(hidden, k, 2 * this.labels - 2, 0, best);
    else this.scoreAll(hidden, k, best);
    return best;
  }

  /**
   * log(p + 1e-5) of label `index` for `hidden` (dim), as `best` with k = all labels would give
   * it; undefined where that would leave the label out (the tree search prunes below 1e-5).
   * Hierarchical softmax walks the one path from the root to the label, not the whole tree.
   */
  logProbability(hidden: Float64Array, index: number): number | undefined {
    if (this.loss !== LOSS.hs) return Math.log(this.probabilities(hidden)[index]! + 1e-5);
    const path: number[] = [];
    for (let node = index; node !== -1; node = this.parent[node]!) path.push(node);
    let logProb = 0;
    // Root first; the same steps and the same pruning as searchTree on its way to this leaf.
    for (let i = path.length - 1; i > 0; i--) {
      if (logProb < MIN_LOG) return undefined;
      const node = path[i]!;
      const f = this.rightProbability(hidden, node);
      logProb += Math.log((path[i - 1] === this.right[node] ? f : 1 - f) + 1e-5);
    }
    return logProb < MIN_LOG ? undefined : logProb;
  }

  /** Depth-first search of the Huffman tree, pruned as fastText prunes it (HierarchicalSoftmaxLoss::dfs). */
  private searchTree(hidden: Float64Array, k: number, node: number, logProb: number, best: Scored[]): void {
    if (logProb < MIN_LOG) return;
    if (best.length === k && logProb < best[k - 1]!.logProb) return;
    if (this.left[node] === -1) return insertBest(best, k, node, logProb);
    const f = this.rightProbability(hidden, node);
    this.searchTree(hidden, k, this.left[node]!, logProb + Math.log(1 - f + 1e-5), best);
    this.searchTree(hidden, k, this.right[node]!, logProb + Math.log(f + 1e-5), best);
  }

  /** The probability of going from inner tree `node` to its right child (to the left: 1 - it). */
  private rightProbability(hidden: Float64Array, node: number): number {
    return 1 / (1 + Math.exp(-this.output.dotRow(hidden, node - this.labels)));
  }

  /** Every label's probability, then the k best. */
  private scoreAll(hidden: Float64Array, k: number, best: Scored[]): void {
    this.probabilities(hidden).forEach((p, index) => {
      const logProb = Math.log(p + 1e-5);
      if (best.length < k || logProb >= best[k - 1]!.logProb) insertBest(best, k, index, logProb);
    });
  }

  /** Every label's probability: softmax, or one sigmoid per label (one-vs-all, negative sampling). */
  private probabilities(hidden: Float64Array): number[] {
    const scores = Array.from({ length: this.labels }, (_, i) => this.output.dotRow(hidden, i));
    if (this.loss === LOSS.softmax) {
      const max = Math.max(...scores);
      let total = 0;
      for (let i = 0; i < scores.length; i++) total += scores[i] = Math.exp(scores[i]! - max);
      for (let i = 0; i < scores.length; i++) scores[i]! /= total;
    } else {
      for (let i = 0; i < scores.length; i++) scores[i] = tableSigmoid(scores[i]!);
    }
    return scores;
  }
}

/** Keeps `best` sorted by logProb, highest first, at most k long. */
function insertBest(best: Scored[], k: number, index: number, logProb: number): void {
  let at = best.length;
  while (at > 0 && best[at - 1]!.logProb < logProb) at--;
  best.splice(at, 0, { index, logProb });
  if (best.length > k) best.pop();
}

/** fastText's Huffman tree over label counts (HierarchicalSoftmaxLoss::buildTree): leaves are labels. */
function huffmanTree(counts: number[]): [Int32Array, Int32Array] {
  const n = counts.length;
  const left = new Int32Array(2 * n - 1).fill(-1);
  const right = new Int32Array(2 * n - 1).fill(-1);
  const count = new Float64Array(2 * n - 1).fill(1e15);
  counts.forEach((c, i) => (count[i] = c));
  let leaf = n - 1;
  let node = n;
  for (let i = n; i < 2 * n - 1; i++) {
    const pick = () => (leaf >= 0 && count[leaf]! < count[node]! ? leaf-- : node++);
    const a = pick();
    const b = pick();
    left[i] = a;
    right[i] = b;
    count[i] = count[a]! + count[b]!;
  }
  return [left, right];
}
