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
  /** Hierarchical softmax: children of each tree node (-1 for leaves, which are the labels). */
  private readonly left: Int32Array;
  private readonly right: Int32Array;

  constructor(
    private readonly loss: number,
    private readonly labels: number,
    /** hs: one row per inner tree node; otherwise one row per label */
    private readonly output: Matrix,
    labelCounts: number[],
  ) {
    [this.left, this.right] = huffmanTree(labelCounts);
  }

  /** The k best labels for `hidden` (dim), best first. */
  best(hidden: Float64Array, k: number): Scored[] {
    const best: Scored[] = [];
    if (this.loss === LOSS.hs) this.searchTree(hidden, k, 2 * this.labels - 2, 0, best);
    else this.scoreAll(hidden, k, best);
    return best;
  }

  /** Depth-first search of the Huffman tree, pruned as fastText prunes it (HierarchicalSoftmaxLoss::dfs). */
  private searchTree(hidden: Float64Array, k: number, node: number, logProb: number, best: Scored[]): void {
    if (logProb < MIN_LOG) return;
    if (best.length === k && logProb < best[k - 1]!.logProb) return;
    if (this.left[node] === -1) return insertBest(best, k, node, logProb);
    const f = 1 / (1 + Math.exp(-this.output.dotRow(hidden, node - this.labels)));
    this.searchTree(hidden, k, this.left[node]!, logProb + Math.log(1 - f + 1e-5), best);
    this.searchTree(hidden, k, this.right[node]!, logProb + Math.log(f + 1e-5), best);
  }

  /** Softmax, or one sigmoid per label (one-vs-all, negative sampling), then the k best. */
  private scoreAll(hidden: Float64Array, k: number, best: Scored[]): void {
    const scores = Array.from({ length: this.labels }, (_, i) => this.output.dotRow(hidden, i));
    if (this.loss === LOSS.softmax) {
      const max = Math.max(...scores);
      let total = 0;
      for (let i = 0; i < scores.length; i++) total += scores[i] = Math.exp(scores[i]! - max);
      for (let i = 0; i < scores.length; i++) scores[i]! /= total;
    } else {
      for (let i = 0; i < scores.length; i++) scores[i] = tableSigmoid(scores[i]!);
    }
    scores.forEach((p, index) => {
      const logProb = Math.log(p + 1e-5);
      if (best.length < k || logProb >= best[k - 1]!.logProb) insertBest(best, k, index, logProb);
    });
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
