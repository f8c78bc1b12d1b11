/**
 * Which dataset each row comes from, as Megatron's BlendedDataset decides it
 * (`build_blending_indices` in megatron/core/datasets/helpers.cpp): row i goes to the dataset
 * furthest behind its share, argmax_d (w_d max(i, 1) - rows_d), the first on ties. Deterministic,
 * no randomness, and after n rows every dataset is within about one row of w_d n.
 */
export class Blend {
  readonly weights: number[];
  private readonly counts: number[];
  private rows = 0;

  constructor(weights: number[]) {
    if (weights.length === 0 || weights.some((w) => !(w > 0) || !Number.isFinite(w))) throw new RangeError(`blend: weights must be positive, got ${weights.join(', ')}`);
    const total = weights.reduce((s, w) => s + w, 0);
    this.weights = weights.map((w) => w / total);
    this.counts = weights.map(() => 0);
  }

  /** The dataset of the next row. */
  next(): number {
    const x = Math.max(this.rows, 1);
    let best = 0;
    let bestError = this.weights[0]! * x - this.counts[0]!;
    for (let d = 1; d < this.weights.length; d++) {
      const error = this.weights[d]! * x - this.counts[d]!;
      if (error > bestError) {
        bestError = error;
        best = d;
      }
    }
    this.counts[best]! += 1;
    this.rows += 1;
    return best;
  }

  /** Rows drawn from each dataset so far. */
  state(): number[] {
    return this.counts.slice();
  }

  restore(counts: number[]): void {
    if (counts.length !== this.counts.length || counts.some((c) => !Number.isInteger(c) || c < 0)) throw new RangeError(`blend: cannot restore counts ${JSON.stringify(counts)} for ${this.counts.length} datasets`);
    counts.forEach((c, d) => (this.counts[d] = c));
    this.rows = counts.reduce((s, c) => s + c, 0);
  }
}
