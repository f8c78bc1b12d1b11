/**
 * The training data loader: a mixture of token-shard datasets packed into [B, T] batches.
 *
 * - Mixture: each row comes whole from one dataset, chosen by Megatron's blending rule (blend.ts).
 * - Packing: each dataset is an endless stream of its documents, shuffled per epoch
 *   (document-stream.ts); a row is T + 1 consecutive stream tokens, inputs [0, T), targets [1, T].
 * - Per input token: `docIds` (document segment within the row, 0, 1, 2, ... : runs of equal ids, as
 *   tensor/kernels/attention.ts `documentStarts` reads them) and `positions`
 *   (tensor/kernels/rope.ts `positionsFromDocIds`: 0 at the row start and at each new document).
 * - Loss mask per target: 0 where the input is a document's last token and the target the next
 *   document's first (`mask_document_boundary`, Megatron's --eod-mask-loss; with EOS-terminated
 *   documents exactly `loss_mask[inputs == eos] = 0`), optionally 0 on EOS targets, then AND the
 *   Goldfish keep mask of the target (training only; validation is never Goldfish-masked).
 * - Resume: `state()` is a few numbers (rows per dataset, a stream position per dataset) plus a
 *   fingerprint of the data; `restore(state)` continues with exactly the batches an uninterrupted
 *   run would have seen. Batch size may change across a resume: rows continue where they were.
 */
import { createHash } from 'node:crypto';
import { positionsFromDocIds } from '../tensor/kernels/rope.js';
import { UserError } from '../util/errors.js';
import { Blend } from './blend.js';
import type { DataConfig } from './data-config.js';
import { DocumentStream, rowBuffers, type RowBuffers, type StreamPosition } from './document-stream.js';
import type { GoldfishConfig, GoldfishOptions } from './goldfish.js';
import { epochOrder, splitDocuments, TokenDataset } from './token-dataset.js';

/** One batch, row-major [B, T]. */
export interface Batch {
  B: number;
  T: number;
  /** Input ids [B*T]. */
  inputs: Int32Array;
  /** Next-token targets [B*T]; -1 where there is none (padding at the end of a validation pass). */
  targets: Int32Array;
  /** Document segment of each input token within its row [B*T]. */
  docIds: Int32Array;
  /** Position of each input token within its document, from 0 at the row start [B*T]. */
  positions: Int32Array;
  /** 1 = target in the loss [B*T] (the cross-entropy kernel's `LossMask`). */
  lossMask: Uint8Array;
  /** Targets that exist (B*T but at the end of a validation pass). */
  tokens: number;
  /** Targets in the loss: the sum of `lossMask`. */
  lossTokens: number;
  /** Targets in the loss before Goldfish, and how many of them Goldfish dropped. */
  goldfishEligible: number;
  goldfishDropped: number;
  /** Dataset index of each row [B] (into `TrainingData.names`). */
  datasets: Int32Array;
}

/** The realised Goldfish drop rate of a batch: dropped / eligible targets (0 when none). */
export function goldfishRate(batch: Batch): number {
  return batch.goldfishEligible === 0 ? 0 : batch.goldfishDropped / batch.goldfishEligible;
}

export interface DataState {
  version: 1;
  /** sha256 of what the positions refer to: the shards, the split, the seed and the weights. */
  fingerprint: string;
  /** Rows drawn from each dataset. */
  blend: number[];
  /** Where each dataset's next row starts. */
  streams: StreamPosition[];
}

interface Source {
  train: TokenDataset;
  trainDocuments: Int32Array;
  validation: TokenDataset;
  validationDocuments: Int32Array;
}

export class TrainingData {
  readonly names: string[];
  private readonly blend: Blend;
  private readonly streams: DocumentStream[];
  private readonly row: RowBuffers;
  private readonly fingerprint: string;

  private constructor(
    readonly config: DataConfig,
    private readonly sources: Source[],
    /** Applied to training rows only. */
    readonly goldfish: GoldfishOptions | undefined,
  ) {
    const { seed } = config;
    this.names = config.datasets.map((d) => d.name);
    this.blend = new Blend(config.datasets.map((d) => d.weight));
    this.streams = sources.map(
      (s, d) => new DocumentStream(s.train, (epoch) => epochOrder(s.trainDocuments, seed, d, epoch), goldfish, d, sources.length),
    );
    this.row = rowBuffers(config.context);
    this.fingerprint = fingerprintOf(config, sources);
  }

  /** Open every shard of `config` (paths already resolved); `goldfish` applies to training batches. */
  static async open(config: DataConfig, goldfish?: GoldfishConfig): Promise<TrainingData> {
    const sources: Source[] = [];
    try {
      for (const d of config.datasets) {
        const train = await TokenDataset.open(d.name, d.paths);
        const separate = d.validation_paths ? await TokenDataset.open(`${d.name} (validation)`, d.validation_paths) : undefined;
        const fraction = separate ? 0 : config.validation_fraction;
        sources.push({
          train,
          trainDocuments: splitDocuments(train, 'train', fraction, config.validation_seed),
          validation: separate ?? train,
          validationDocuments: splitDocuments(separate ?? train, separate ? 'train' : 'validation', fraction, config.validation_seed),
        });
      }
    } catch (err) {
      closeSources(sources);
      throw err;
    }
    return new TrainingData(config, sources, goldfish?.enabled ? { ...goldfish } : undefined);
  }

  /** Documents and tokens of each dataset's training and validation sides. */
  summary(): { name: string; trainDocuments: number; validationDocuments: number; tokens: number }[] {
    return this.sources.map((s, d) => ({
      name: this.names[d]!,
      trainDocuments: s.trainDocuments.length,
      validationDocuments: s.validationDocuments.length,
      tokens: s.train.tokenCount,
    }));
  }

  /** The next training batch (the stream never ends: epochs follow one another). */
  nextBatch(batchSize = this.config.batch_size): Batch {
    const batch = emptyBatch(batchSize, this.config.context);
    for (let b = 0; b < batchSize; b++) {
      const d = this.blend.next();
      batch.datasets[b] = d;
      const real = this.streams[d]!.fillRow(this.config.context, this.row);
      writeRow(batch, b, this.row, real, this.config, this.goldfish !== undefined);
    }
    return finish(batch);
  }

  state(): DataState {
    return { version: 1, fingerprint: this.fingerprint, blend: this.blend.state(), streams: this.streams.map((s) => s.tell()) };
  }

  restore(state: DataState): void {
    if (state?.version !== 1) throw new UserError(`data state: unknown version ${String(state?.version)} (expected 1)`);
    if (state.fingerprint !== this.fingerprint) {
      throw new UserError('data state: the checkpoint was written for other data (shards, weights, split or seed differ); resume with the same data config, or start the data from the beginning');
    }
    this.blend.restore(state.blend);
    state.streams.forEach((p, d) => this.streams[d]!.seek(p));
  }

  /**
   * One pass over the held-out documents of one dataset (or each in turn), in document order,
   * packed like training rows; the last row is padded with target -1 and mask 0. No Goldfish.
   */
  *validationBatches(dataset?: string): Generator<Batch> {
    if (dataset !== undefined && !this.names.includes(dataset)) throw new UserError(`no dataset named ${dataset} (have ${this.names.join(', ')})`);
    const T = this.config.context;
    const B = this.config.batch_size;
    const row = rowBuffers(T);
    for (let d = 0; d < this.sources.length; d++) {
      if (dataset !== undefined && this.names[d] !== dataset) continue;
      const source = this.sources[d]!;
      const stream = new DocumentStream(source.validation, (epoch) => (epoch === 0 ? source.validationDocuments : undefined), undefined);
      for (let ended = false; !ended; ) {
        const batch = emptyBatch(B, T);
        let rows = 0;
        for (let b = 0; b < B && !ended; b++) {
          const real = stream.fillRow(T, row);
          if (real <= 1) break;
          batch.datasets[b] = d;
          writeRow(batch, b, row, real, this.config, false);
          rows++;
          ended = real < T + 1;
        }
        if (rows === 0) break;
        for (let b = rows; b < B; b++) writeRow(batch, b, row, 0, this.config, false);
        yield finish(batch);
        if (rows < B) break;
      }
    }
  }

  close(): void {
    closeSources(this.sources);
  }
}

function closeSources(sources: Source[]): void {
  for (const s of sources) {
    s.train.close();
    if (s.validation !== s.train) s.validation.close();
  }
}

function emptyBatch(B: number, T: number): Batch {
  const n = B * T;
  return {
    B, T,
    inputs: new Int32Array(n),
    targets: new Int32Array(n),
    docIds: new Int32Array(n),
    positions: new Int32Array(n),
    lossMask: new Uint8Array(n),
    tokens: 0,
    lossTokens: 0,
    goldfishEligible: 0,
    goldfishDropped: 0,
    datasets: new Int32Array(B),
  };
}

/** Row b of `batch` from a filled row of `real` tokens (T + 1 when full; fewer at a pass's end). */
function writeRow(batch: Batch, b: number, row: RowBuffers, real: number, config: DataConfig, goldfish: boolean): void {
  const T = batch.T;
  for (let t = 0; t < T; t++) {
    const i = b * T + t;
    const hasInput = t < real;
    batch.inputs[i] = hasInput ? row.window[t]! : 0;
    // Padding after the last real token is a document of its own, so nothing attends to it.
    batch.docIds[i] = hasInput ? row.segment[t]! : real > 0 ? row.segment[real - 1]! + 1 : 0;
    if (t + 1 >= real) {
      batch.targets[i] = -1;
      batch.lossMask[i] = 0;
      continue;
    }
    const target = row.window[t + 1]!;
    batch.targets[i] = target;
    batch.tokens++;
    let inLoss = config.mask_document_boundary ? row.segment[t] === row.segment[t + 1] : true;
    if (config.mask_eos_targets && target === config.eos_id) inLoss = false;
    if (inLoss) {
      batch.goldfishEligible++;
      if (goldfish && row.keep[t + 1] === 0) {
        batch.goldfishDropped++;
        inLoss = false;
      }
    }
    batch.lossMask[i] = inLoss ? 1 : 0;
    if (inLoss) batch.lossTokens++;
  }
}

function finish(batch: Batch): Batch {
  batch.positions = positionsFromDocIds(batch.docIds, batch.B, batch.T);
  return batch;
}

function fingerprintOf(config: DataConfig, sources: Source[]): string {
  const description = {
    seed: config.seed,
    validation_fraction: config.validation_fraction,
    validation_seed: config.validation_seed,
    datasets: config.datasets.map((d, i) => ({
      name: d.name,
      weight: d.weight,
      shards: sources[i]!.train.prefixes,
      documents: sources[i]!.train.documentCount,
      tokens: sources[i]!.train.tokenCount,
      validation: d.validation_paths ?? null,
    })),
  };
  return createHash('sha256').update(JSON.stringify(description)).digest('hex');
}
