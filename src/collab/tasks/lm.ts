/**
 * A byte-level Apertus language model (vocabulary 256: one token per UTF-8 byte, so no tokenizer
 * has to be shared between clients) over flat parameters. One model object is the compute
 * template: a client's vector is copied into its tensors before a step and the gradients copied
 * out after (a few hundred KB per step, negligible next to the step itself).
 */
import { Apertus, preset } from '../../model/index.js';
import { backward, noGrad, step } from '../../tensor/index.js';
import type { Vector } from '../vector.js';
import type { ClientData, Evaluation, ModelTemplate } from './task.js';

type LmSpec = { kind: 'lm'; preset: 'tiny'; hidden?: number; layers?: number; seqLen: number; batch: number };

export class LmTemplate implements ModelTemplate {
  readonly dim: number;
  readonly metric = 'perplexity' as const;
  private readonly model: Apertus;

  constructor(readonly spec: LmSpec) {
    this.model = new Apertus(this.config(), { init: 'zeros' });
    this.dim = this.model.parameters().reduce((s, p) => s + p.tensor.size, 0);
  }

  init(seed: number): Vector {
    const fresh = new Apertus(this.config(), { seed });
    const v = new Float32Array(this.dim);
    let o = 0;
    for (const p of fresh.parameters()) {
      v.set(p.tensor.data, o);
      o += p.tensor.size;
    }
    return v;
  }

  trainSize(data: ClientData): number {
    return this.text(data, 'train').length;
  }

  gradient(params: Vector, data: ClientData, grad: Vector, next: () => number): number {
    const text = this.text(data, 'train');
    this.load(params);
    for (const p of this.model.parameters()) p.tensor.zeroGrad();
    const loss = step(() => {
      const { ids, targets } = this.windows(text, next);
      const l = this.model.loss(ids, targets, { batchSize: this.spec.batch });
      backward(l);
      return l.item();
    });
    let o = 0;
    for (const p of this.model.parameters()) {
      const g = p.tensor.grad;
      if (g) grad.set(g, o);
      else grad.fill(0, o, o + p.tensor.size);
      o += p.tensor.size;
    }
    return loss;
  }

  loss(params: Vector, data: ClientData, next: () => number): number {
    const text = this.text(data, 'train');
    this.load(params);
    return noGrad(() => step(() => {
      const { ids, targets } = this.windows(text, next);
      return this.model.loss(ids, targets, { batchSize: this.spec.batch }).item();
    }));
  }

  /** Perplexity per byte over the whole test text, in consecutive windows of seqLen + 1 bytes. */
  evaluate(params: Vector, data: ClientData): Evaluation {
    const text = this.text(data, 'test');
    this.load(params);
    const T = this.spec.seqLen;
    let total = 0, count = 0;
    noGrad(() => {
      for (let start = 0; start + 1 < text.length; start += T) {
        const len = Math.min(T, text.length - 1 - start);
        const ids = Int32Array.from(text.subarray(start, start + len));
        const targets = Int32Array.from(text.subarray(start + 1, start + 1 + len));
        total += step(() => this.model.loss(ids, targets).item()) * len;
        count += len;
      }
    });
    const loss = total / count;
    return { loss, metric: Math.exp(loss) };
  }

  private windows(text: Uint8Array, next: () => number): { ids: Int32Array; targets: Int32Array } {
    const { batch: B, seqLen: T } = this.spec;
    if (text.length < T + 1) throw new Error(`language model: the client's text has ${text.length} bytes, fewer than seq_len + 1 = ${T + 1}`);
    const ids = new Int32Array(B * T), targets = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      const start = Math.floor(next() * (text.length - T));
      for (let t = 0; t < T; t++) {
        ids[b * T + t] = text[start + t];
        targets[b * T + t] = text[start + t + 1];
      }
    }
    return { ids, targets };
  }

  private load(params: Vector): void {
    let o = 0;
    for (const p of this.model.parameters()) {
      p.tensor.data.set(params.subarray(o, o + p.tensor.size));
      o += p.tensor.size;
    }
  }

  private config() {
    const { hidden, layers, seqLen } = this.spec;
    const overrides: Record<string, number> = { maxPositions: Math.max(seqLen, 64) };
    if (hidden !== undefined) Object.assign(overrides, { hiddenSize: hidden, intermediateSize: 3 * hidden });
    if (layers !== undefined) overrides.numLayers = layers;
    return preset(this.spec.preset, overrides);
  }

  private text(data: ClientData, split: 'train' | 'test'): Uint8Array {
    if (data.kind !== 'text') throw new Error('language model: this client holds labelled features, not text');
    return data[split];
  }
}
