/**
 * One dataset's documents as an endless token stream (epoch 0's shuffled order, then epoch 1's,
 * ...), cut into rows the way Megatron's GPTDataset cuts its samples: row r holds stream tokens
 * [rT, rT + T], T + 1 of them, so consecutive rows overlap by one token and every token is a
 * target exactly once. Rows span document boundaries (packing); each token carries its document
 * segment within the row and its Goldfish keep flag as a target.
 *
 * Invariant: the cursor (epoch, doc, offset) always points at an unread token of a non-empty
 * document, or past the end of a finite stream (the validation pass).
 */
import type { TokenArray } from '../tokenizer/shards/index.js';
import { goldfishMask, type GoldfishOptions } from './goldfish.js';
import type { TokenDataset } from './token-dataset.js';

/** Where the next row starts: `doc` indexes the epoch's document order, `offset` is in tokens. */
export interface StreamPosition {
  epoch: number;
  doc: number;
  offset: number;
}

/** One row being filled, T + 1 tokens: the window and, per token, its segment and keep flag. */
export interface RowBuffers {
  /** Token ids [T + 1]. */
  window: Int32Array;
  /** Document segment within the row [T + 1]: 0 for the first document, +1 at each boundary. */
  segment: Int32Array;
  /** Goldfish keep flag of each token as a target [T + 1] (1 when Goldfish is off). */
  keep: Uint8Array;
}

export function rowBuffers(T: number): RowBuffers {
  return { window: new Int32Array(T + 1), segment: new Int32Array(T + 1), keep: new Uint8Array(T + 1) };
}

export class DocumentStream {
  private position: StreamPosition = { epoch: 0, doc: 0, offset: 0 };
  private order: Int32Array | undefined;
  private orderEpoch = -1;
  private tokens: TokenArray | undefined;
  private keep: Uint8Array | undefined;
  private loaded = { epoch: -1, doc: -1 };

  /**
   * `orderOf(epoch)`: the documents of an epoch in reading order, or undefined when the stream
   * ends there. `goldfish`: the mask applied to each document's labels (its tokens after the
   * first), or undefined. `keyBase`/`keyStride` make the `random` strategy's key of a document
   * visit unique across datasets.
   */
  constructor(
    readonly dataset: TokenDataset,
    private readonly orderOf: (epoch: number) => Int32Array | undefined,
    private readonly goldfish: GoldfishOptions | undefined,
    private readonly keyBase = 0,
    private readonly keyStride = 1,
  ) {}

  /** The position of the next row's first token (serialisable). */
  tell(): StreamPosition {
    return { ...this.position };
  }

  seek(position: StreamPosition): void {
    const { epoch, doc, offset } = position;
    if (![epoch, doc, offset].every((v) => Number.isInteger(v) && v >= 0)) throw new RangeError(`${this.dataset.name}: bad stream position ${JSON.stringify(position)}`);
    this.position = { epoch, doc, offset };
    if (this.current()) {
      const length = this.tokens!.length;
      if (offset >= length) throw new RangeError(`${this.dataset.name}: offset ${offset} is past document ${doc} of epoch ${epoch} (${length} tokens)`);
    }
  }

  /**
   * Fill `row` with the next T + 1 tokens and advance by T. Returns the number of real tokens:
   * T + 1, or fewer where a finite stream ended (the rest of the buffers is left as it was).
   */
  fillRow(T: number, row: RowBuffers): number {
    let t = 0;
    let segment = 0;
    while (t < T && this.current()) {
      const tokens = this.tokens!;
      const keep = this.keep!;
      const { offset } = this.position;
      const n = Math.min(T - t, tokens.length - offset);
      for (let i = 0; i < n; i++) {
        row.window[t + i] = tokens[offset + i]!;
        row.segment[t + i] = segment;
        row.keep[t + i] = keep[offset + i]!;
      }
      t += n;
      this.position.offset += n;
      if (this.position.offset === tokens.length) {
        this.position.doc += 1;
        this.position.offset = 0;
        segment += 1;
      }
    }
    if (t < T || !this.current()) return t;
    // The last token of the row is the next row's first: read it without advancing.
    row.window[T] = this.tokens![this.position.offset]!;
    row.segment[T] = segment;
    row.keep[T] = this.keep![this.position.offset]!;
    return T + 1;
  }

  /** Load the document under the cursor (rolling over into the next epoch); false at the end. */
  private current(): boolean {
    for (;;) {
      if (this.orderEpoch !== this.position.epoch) {
        this.order = this.orderOf(this.position.epoch);
        this.orderEpoch = this.position.epoch;
      }
      if (this.order === undefined) return false;
      if (this.position.doc < this.order.length) break;
      if (this.order.length === 0) return false;
      this.position = { epoch: this.position.epoch + 1, doc: 0, offset: 0 };
    }
    const { epoch, doc } = this.position;
    if (this.loaded.epoch !== epoch || this.loaded.doc !== doc) {
      const id = this.order![doc]!;
      const tokens = this.dataset.document(id);
      const keep = new Uint8Array(tokens.length).fill(1);
      if (this.goldfish && tokens.length > 1) {
        const key = ((epoch * this.dataset.documentCount + id) * this.keyStride + this.keyBase) % 2 ** 53;
        goldfishMask(tokens.subarray(1), this.goldfish, keep.subarray(1), key);
      }
      this.tokens = tokens;
      this.keep = keep;
      this.loaded = { epoch, doc };
    }
    return true;
  }
}
