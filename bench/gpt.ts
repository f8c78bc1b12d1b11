/**
 * The benchmark GPT (bench only; the real model arrives with a later issue): pre-norm RMSNorm,
 * RoPE, causal attention, GELU (tanh) MLP 4x, untied embeddings, no biases. Built from the tensor
 * ops exactly as test/tensor/transformer-ops.test.ts builds its one-layer block.
 * bench/python/train_step.py is the same model in PyTorch.
 */
import {
  attention, crossEntropy, embedding, gelu, linear, add, reshape, rmsnorm, rope, ropeTables, Tensor,
} from '../src/tensor/index.js';
import type { RopeTables } from '../src/tensor/index.js';
import { mulberry32 } from '../tools/udhr.js';

export interface GptConfig {
  layers: number;
  d: number;
  heads: number;
  kvHeads: number;
  context: number;
  vocab: number;
  /** MLP hidden = mlpRatio * d */
  mlpRatio: number;
}

export const BENCH_GPT: GptConfig = { layers: 6, d: 384, heads: 6, kvHeads: 6, context: 256, vocab: 8192, mlpRatio: 4 };

interface Layer {
  norm1: Tensor; wq: Tensor; wk: Tensor; wv: Tensor; wo: Tensor;
  norm2: Tensor; up: Tensor; down: Tensor;
}

/** A seeded uniform [0, 1) generator (the one the sample tools use). */
export const rng = mulberry32;

export class Gpt {
  readonly embed: Tensor;
  readonly layers: Layer[];
  readonly normF: Tensor;
  readonly head: Tensor;
  readonly tables: RopeTables;
  readonly headDim: number;

  constructor(readonly config: GptConfig, seed = 1) {
    const { d, heads, kvHeads, layers, vocab, mlpRatio, context } = config;
    this.headDim = d / heads;
    const next = rng(seed);
    // uniform with std 0.02 (GPT-2's init scale); the speed does not depend on it
    const param = (shape: number[], std = 0.02) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(size);
      const r = std * Math.sqrt(3);
      for (let i = 0; i < size; i++) data[i] = (2 * next() - 1) * r;
      return new Tensor(data, shape, true);
    };
    const ones = (n: number) => Tensor.from(new Float32Array(n).fill(1), [n], { requiresGrad: true });
    const kv = kvHeads * this.headDim, f = mlpRatio * d;
    this.embed = param([vocab, d]);
    this.layers = Array.from({ length: layers }, () => ({
      norm1: ones(d), wq: param([d, d]), wk: param([kv, d]), wv: param([kv, d]), wo: param([d, d]),
      norm2: ones(d), up: param([f, d]), down: param([d, f]),
    }));
    this.normF = ones(d);
    this.head = param([vocab, d]);
    this.tables = ropeTables({ headDim: this.headDim, maxPositions: context, theta: 10000 });
  }

  parameters(): Tensor[] {
    return [this.embed, ...this.layers.flatMap((l) => Object.values(l)), this.normF, this.head];
  }

  /** Parameters in weight matrices a token multiplies through (all but the input embedding and the norms). */
  matmulParameters(): number {
    return this.layers.reduce((s, l) => s + l.wq.size + l.wk.size + l.wv.size + l.wo.size + l.up.size + l.down.size, 0) +
      this.head.size;
  }

  /** ids, targets [B, T] -> mean cross-entropy. */
  loss(ids: Int32Array, targets: Int32Array, B: number, T: number): Tensor {
    const { d, heads: Hq, kvHeads: Hkv } = this.config;
    const D = this.headDim;
    let x = embedding(this.embed, ids, [B, T]);
    for (const l of this.layers) {
      const h = rmsnorm(x, l.norm1);
      const q = rope(reshape(linear(h, l.wq), [B, T, Hq, D]), this.tables);
      const k = rope(reshape(linear(h, l.wk), [B, T, Hkv, D]), this.tables);
      const v = reshape(linear(h, l.wv), [B, T, Hkv, D]);
      const a = reshape(attention(q, k, v), [B, T, Hq * D]);
      x = add(x, linear(a, l.wo));
      x = add(x, linear(gelu(linear(rmsnorm(x, l.norm2), l.up)), l.down));
    }
    const logits = linear(reshape(rmsnorm(x, this.normF), [B * T, d]), this.head);
    return crossEntropy(logits, targets);
  }
}
