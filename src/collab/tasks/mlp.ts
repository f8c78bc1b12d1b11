/**
 * A one-hidden-layer MLP classifier over flat parameters:
 *   logits = relu(x W1^T + b1) W2^T + b2      x [B, F], W1 [H, F], b1 [H], W2 [C, H], b2 [C]
 * The parameter tensors are views over the caller's vector (and the gradients over the caller's
 * gradient vector), so no model object is kept per client and nothing is copied.
 */
import { allocate, crossEntropy, linear, noGrad, relu, step, Tensor, backward } from '../../tensor/index.js';
import { normal } from '../../model/index.js';
import type { Vector } from '../vector.js';
import type { ClientData, Evaluation, LabelledSet, ModelTemplate } from './task.js';

type MlpSpec = { kind: 'mlp'; inputs: number; hidden: number; classes: number; batch: number };

export class MlpTemplate implements ModelTemplate {
  readonly dim: number;
  readonly metric = 'accuracy' as const;
  private readonly shapes: [number, number][];
  /** row permutation scratch of the minibatch sampler */
  private order = new Int32Array(0);

  constructor(readonly spec: MlpSpec) {
    const { inputs: F, hidden: H, classes: C } = spec;
    this.shapes = [[H, F], [H, 1], [C, H], [C, 1]];
    this.dim = H * F + H + C * H + C;
  }

  /** Kaiming-uniform-like init (PyTorch's nn.Linear default scale 1/sqrt(fan_in)), seeded. */
  init(seed: number): Vector {
    const { inputs: F, hidden: H, classes: C } = this.spec;
    const next = normal(seed);
    const v = new Float32Array(this.dim);
    let o = 0;
    for (let i = 0; i < H * F; i++) v[o++] = next() / Math.sqrt(F);
    o += H;
    for (let i = 0; i < C * H; i++) v[o++] = next() / Math.sqrt(H);
    return v;
  }

  trainSize(data: ClientData): number {
    return this.set(data, 'train').y.length;
  }

  gradient(params: Vector, data: ClientData, grad: Vector, next: () => number): number {
    const set = this.set(data, 'train');
    grad.fill(0);
    return step(() => {
      const rows = this.sample(set, next);
      const [w1, b1, w2, b2] = this.tensors(params, grad);
      const loss = crossEntropy(this.logits(w1, b1, w2, b2, rows.x), rows.y);
      backward(loss);
      return loss.item();
    });
  }

  loss(params: Vector, data: ClientData, next: () => number): number {
    const set = this.set(data, 'train');
    return noGrad(() => step(() => {
      const rows = this.sample(set, next);
      const [w1, b1, w2, b2] = this.tensors(params);
      return crossEntropy(this.logits(w1, b1, w2, b2, rows.x), rows.y).item();
    }));
  }

  evaluate(params: Vector, data: ClientData): Evaluation {
    const test = this.set(data, 'test');
    const N = test.y.length, C = this.spec.classes;
    return noGrad(() => step(() => {
      const [w1, b1, w2, b2] = this.tensors(params);
      const x = allocate([N, test.features], 'float32');
      x.data.set(test.x);
      const logits = this.logits(w1, b1, w2, b2, x);
      const loss = crossEntropy(logits, test.y).item();
      let correct = 0;
      const z = logits.data;
      for (let n = 0; n < N; n++) {
        let best = 0;
        for (let c = 1; c < C; c++) if (z[n * C + c] > z[n * C + best]) best = c;
        if (best === test.y[n]) correct++;
      }
      return { loss, metric: correct / N };
    }));
  }

  private logits(w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, x: Tensor): Tensor {
    return linear(relu(linear(x, w1, b1)), w2, b2);
  }

  /** W1, b1, W2, b2 as views over params (and, when given, their gradients over grad). */
  private tensors(params: Vector, grad?: Vector): Tensor[] {
    let o = 0;
    return this.shapes.map(([r, c]) => {
      const n = r * c;
      const shape = c === 1 ? [r] : [r, c];
      const t = new Tensor(params.subarray(o, o + n), shape, grad !== undefined);
      if (grad) t.grad = grad.subarray(o, o + n);
      o += n;
      return t;
    });
  }

  /**
   * A minibatch of min(batch, N) distinct examples (a partial Fisher-Yates shuffle: sampling
   * without replacement, as a shuffling data loader does; a client holding no more than a batch
   * computes on all of its examples).
   */
  private sample(set: LabelledSet, next: () => number): { x: Tensor; y: Int32Array } {
    const N = set.y.length, B = Math.min(this.spec.batch, N), F = set.features;
    const x = allocate([B, F], 'float32');
    const y = new Int32Array(B);
    if (this.order.length !== N) this.order = Int32Array.from({ length: N }, (_, i) => i);
    else for (let i = 0; i < N; i++) this.order[i] = i;
    for (let b = 0; b < B; b++) {
      const k = b + Math.floor(next() * (N - b));
      const row = this.order[k]!;
      this.order[k] = this.order[b]!;
      this.order[b] = row;
      x.data.set(set.x.subarray(row * F, (row + 1) * F), b * F);
      y[b] = set.y[row]!;
    }
    return { x, y };
  }

  private set(data: ClientData, split: 'train' | 'test'): LabelledSet {
    if (data.kind !== 'classification') throw new Error('MLP classifier: this client holds text, not labelled features');
    const set = data[split];
    if (set.features !== this.spec.inputs) {
      throw new Error(`MLP classifier: the client's examples have ${set.features} features, the model expects ${this.spec.inputs}`);
    }
    return set;
  }
}
