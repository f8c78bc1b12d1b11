/**
 * The two matrix kinds a fastText model stores: dense float32 rows (.bin), or rows compressed by
 * product quantization (.ftz: each row is a list of one-byte codes, one per sub-vector, that pick
 * a centroid; optionally times a quantized norm). Vectors are float64: accumulating in double
 * precision is as fast here and never less exact than fastText's float32.
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  /** target[offset .. offset + cols) += scale * row */
  addRow(target: Float64Array, row: number, scale: number, offset?: number): void;
  /** row · vector (cols) */
  dotRow(vector: Float64Array, row: number): number;
}

export class DenseMatrix implements Matrix {
  constructor(
    readonly rows: number,
    readonly cols: number,
    /** rows x cols, row-major */
    private readonly data: Float32Array,
  ) {}

  addRow(target: Float64Array, row: number, scale: number, offset = 0): void {
    const base = row * this.cols;
    for (let c = 0; c < this.cols; c++) target[offset + c]! += scale * this.data[base + c]!;
  }

  dotRow(vector: Float64Array, row: number): number {
    const base = row * this.cols;
    let sum = 0;
    for (let c = 0; c < this.cols; c++) sum += vector[c]! * this.data[base + c]!;
    return sum;
  }
}

/** 256 centroids per sub-vector; the last sub-vector may be shorter (`lastdsub`). */
export class ProductQuantizer {
  static readonly CENTROIDS = 256;

  constructor(
    readonly nsubq: number,
    readonly dsub: number,
    readonly lastdsub: number,
    /** dim x 256 floats, grouped by sub-vector */
    readonly centroids: Float32Array,
  ) {}

  /** Where centroid `code` of sub-vector `m` starts in `centroids`. */
  centroid(m: number, code: number): number {
    return m === this.nsubq - 1 ? m * ProductQuantizer.CENTROIDS * this.dsub + code * this.lastdsub : (m * ProductQuantizer.CENTROIDS + code) * this.dsub;
  }
}

export class QuantMatrix implements Matrix {
  constructor(
    readonly rows: number,
    readonly cols: number,
    /** rows x nsubq codes */
    private readonly codes: Uint8Array,
    private readonly pq: ProductQuantizer,
    /** When rows were normalised before quantization: one code per row into a 1-d quantizer of norms. */
    private readonly norms?: { codes: Uint8Array; pq: ProductQuantizer },
  ) {}

  /** The rows decoded once (float32), for when the memory is small and speed matters. */
  toDense(): DenseMatrix {
    const data = new Float32Array(this.rows * this.cols);
    const row = new Float64Array(this.cols);
    for (let r = 0; r < this.rows; r++) {
      row.fill(0);
      this.addRow(row, r, 1);
      data.set(row, r * this.cols);
    }
    return new DenseMatrix(this.rows, this.cols, data);
  }

  private norm(row: number): number {
    return this.norms ? this.norms.pq.centroids[this.norms.pq.centroid(0, this.norms.codes[row]!)]! : 1;
  }

  addRow(target: Float64Array, row: number, scale: number, offset = 0): void {
    // The inner loop of a cache miss in language identification: centroid() written out.
    const { nsubq, dsub, lastdsub, centroids } = this.pq;
    const codes = this.codes;
    const alpha = scale * this.norm(row);
    const base = row * nsubq;
    for (let m = 0; m < nsubq - 1; m++) {
      const at = (m * ProductQuantizer.CENTROIDS + codes[base + m]!) * dsub;
      const to = offset + m * dsub;
      for (let n = 0; n < dsub; n++) target[to + n]! += alpha * centroids[at + n]!;
    }
    const m = nsubq - 1;
    const at = m * ProductQuantizer.CENTROIDS * dsub + codes[base + m]! * lastdsub;
    const to = offset + m * dsub;
    for (let n = 0; n < lastdsub; n++) target[to + n]! += alpha * centroids[at + n]!;
  }

  dotRow(vector: Float64Array, row: number): number {
    const { nsubq, dsub, lastdsub, centroids } = this.pq;
    const base = row * nsubq;
    let sum = 0;
    for (let m = 0; m < nsubq; m++) {
      const at = this.pq.centroid(m, this.codes[base + m]!);
      const width = m === nsubq - 1 ? lastdsub : dsub;
      for (let n = 0; n < width; n++) sum += vector[m * dsub + n]! * centroids[at + n]!;
    }
    return sum * this.norm(row);
  }
}
