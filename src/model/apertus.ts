/**
 * The Apertus transformer (R8), read top to bottom like the paper:
 *
 *   x = embed_tokens[ids]                                              [B, T, C]
 *   for each layer:
 *     h = rmsnorm(x) ; q, k, v = h Wq^T, h Wk^T, h Wv^T                [B, T, H, D]
 *     q, k = rmsnorm_D(q), rmsnorm_D(k)        (QK-norm, per head, before RoPE)
 *     q, k = rope(q), rope(k)                   (positions restart per document)
 *     x = x + attention(q, k, v) Wo^T           (causal, GQA, masked across documents)
 *     x = x + down(xielu(up(rmsnorm(x))))       (no gate)
 *   logits = rmsnorm(x) lm_head^T                                       [B, T, V]
 *
 * No biases; input embedding and lm_head are separate (untied). Parameter names are the Hugging
 * Face tensor names (R9), so export and import are a name-for-name copy.
 *
 * Initialisation (documented choice): every weight matrix ~ N(0, initializerRange = 0.02) as in
 * transformers' `_init_weights`, except the two projections that write into the residual stream
 * (o_proj, down_proj), which get std / sqrt(2 * numLayers) as Megatron-LM's `scaled_init_method`
 * (and GPT-2) do, so the residual's variance does not grow with depth. RMSNorm weights are ones;
 * xIELU alphas start at a_p = a_n = 0.8. Unlike transformers we do not zero the padding row of the
 * embedding (Megatron does not either; pad tokens are never a loss target).
 */
import {
  add, attention, crossEntropy, embedding, linear, positionsFromDocIds, reshape, rmsnorm, rope, ropeTables,
  Tensor, xielu, xieluInit,
} from '../tensor/index.js';
import type { DType, LossMask, RopeTables } from '../tensor/index.js';
import { modelConfig, ropeConfig, type ModelConfig, type ModelConfigInput } from './config.js';
import { normal } from './random.js';

export interface SelfAttention {
  qProj: Tensor; // [Hq*D, C]
  kProj: Tensor; // [Hkv*D, C]
  vProj: Tensor; // [Hkv*D, C]
  oProj: Tensor; // [C, Hq*D]
  qNorm: Tensor; // [D]
  kNorm: Tensor; // [D]
}

export interface Mlp {
  upProj: Tensor; // [F, C]
  downProj: Tensor; // [C, F]
  alphaP: Tensor; // [1], before softplus
  alphaN: Tensor; // [1], before softplus
}

export interface ApertusLayer {
  attentionLayernorm: Tensor; // [C]
  selfAttn: SelfAttention;
  feedforwardLayernorm: Tensor; // [C]
  mlp: Mlp;
}

/** One trainable tensor with its Hugging Face name; norms and xIELU alphas take no weight decay. */
export interface ModelParameter {
  name: string;
  tensor: Tensor;
  weightDecay: boolean;
}

export interface ModelOptions {
  /** float32 to train; float64 for gradient checks */
  dtype?: DType;
  /** seed of the initialisation */
  seed?: number;
  /** 'random' (default) or 'zeros' (faster when weights will be loaded over it) */
  init?: 'random' | 'zeros';
}

export interface ForwardOptions {
  /** rows B of ids [B, T] (default 1) */
  batchSize?: number;
  /** document of each token [B, T]: attention stays inside a document, positions restart */
  docIds?: Int32Array;
  /** RoPE positions [B, T]; default: restart per document (docIds) or 0..T-1 */
  positions?: Int32Array;
}

export interface LossOptions extends ForwardOptions {
  /** per-token weight of targets [B, T] (Goldfish: 0 drops a token from the loss) */
  lossMask?: LossMask;
}

export class Apertus {
  readonly config: ModelConfig;
  readonly dtype: DType;
  readonly embedTokens: Tensor; // [V, C]
  readonly layers: ApertusLayer[];
  readonly norm: Tensor; // [C]
  readonly lmHead: Tensor; // [V, C]
  private readonly named: ModelParameter[];
  private tables: RopeTables | null = null;

  constructor(config: ModelConfig | ModelConfigInput, options: ModelOptions = {}) {
    this.config = modelConfig(config);
    this.dtype = options.dtype ?? 'float32';
    const { vocabSize: V, hiddenSize: C, intermediateSize: F, numLayers: L, numHeads: Hq, numKvHeads: Hkv, headDim: D } = this.config;
    const std = this.config.initializerRange;
    const residualStd = std / Math.sqrt(2 * L);
    const random = options.init !== 'zeros';
    const next = normal(options.seed ?? 0);
    const matrix = (rows: number, cols: number, s: number): Tensor => {
      const t = Tensor.zeros([rows, cols], { dtype: this.dtype, requiresGrad: true });
      if (random) for (let i = 0; i < t.size; i++) t.data[i] = s * next();
      return t;
    };
    const ones = (n: number): Tensor => {
      const t = Tensor.zeros([n], { dtype: this.dtype, requiresGrad: true });
      t.data.fill(1);
      return t;
    };
    const scalar = (v: number): Tensor => Tensor.from([v], [1], { dtype: this.dtype, requiresGrad: true });
    const alphas = xieluInit(0.8, 0.8);

    this.embedTokens = matrix(V, C, std);
    this.layers = Array.from({ length: L }, () => ({
      attentionLayernorm: ones(C),
      selfAttn: {
        qProj: matrix(Hq * D, C, std), kProj: matrix(Hkv * D, C, std), vProj: matrix(Hkv * D, C, std),
        oProj: matrix(C, Hq * D, residualStd), qNorm: ones(D), kNorm: ones(D),
      },
      feedforwardLayernorm: ones(C),
      mlp: { upProj: matrix(F, C, std), downProj: matrix(C, F, residualStd), alphaP: scalar(alphas.alphaP), alphaN: scalar(alphas.alphaN) },
    }));
    this.norm = ones(C);
    this.lmHead = matrix(V, C, std);
    this.named = this.nameParameters();
  }

  /** Every trainable tensor with its HF name, in checkpoint order. */
  parameters(): ModelParameter[] {
    return this.named;
  }

  /** The tensor named `name` (HF naming); throws naming the model when absent. */
  parameter(name: string): Tensor {
    const found = this.named.find((p) => p.name === name);
    if (!found) throw new Error(`Apertus: no parameter named "${name}"`);
    return found.tensor;
  }

  /** ids [B, T] -> logits [B, T, V] */
  forward(ids: Int32Array, options: ForwardOptions = {}): Tensor {
    const { B, T } = this.batchShape(ids, options.batchSize);
    return this.head(this.hidden(ids, B, T, options));
  }

  /** ids, targets [B, T] -> [] masked mean cross-entropy (targets < 0 ignored) */
  loss(ids: Int32Array, targets: Int32Array, options: LossOptions = {}): Tensor {
    const logits = this.forward(ids, options);
    return crossEntropy(reshape(logits, [-1, this.config.vocabSize]), targets, options.lossMask);
  }

  /** RoPE tables covering positions [0, length), grown on demand up to config.maxPositions. */
  ropeTablesFor(length: number): RopeTables {
    if (length > this.config.maxPositions) {
      throw new Error(`Apertus: position ${length - 1} is beyond maxPositions ${this.config.maxPositions}`);
    }
    if (this.tables === null || this.tables.maxPositions < length) {
      const size = Math.min(this.config.maxPositions, Math.max(length, 2 * (this.tables?.maxPositions ?? 0), 64));
      this.tables = ropeTables(ropeConfig(this.config, size));
    }
    return this.tables;
  }

  /** Final residual stream before the last norm: [B, T, C]. */
  private hidden(ids: Int32Array, B: number, T: number, options: ForwardOptions): Tensor {
    const positions = options.positions ?? (options.docIds ? positionsFromDocIds(options.docIds, B, T) : undefined);
    const tables = this.ropeTablesFor(positions ? maxOf(positions) + 1 : T);
    let x = embedding(this.embedTokens, ids, [B, T]);
    for (const layer of this.layers) {
      x = add(x, this.selfAttention(layer, x, B, T, tables, positions, options.docIds));
      x = add(x, this.feedForward(layer, x));
    }
    return x;
  }

  // x [B, T, C] -> [B, T, C]
  private selfAttention(
    layer: ApertusLayer, x: Tensor, B: number, T: number, tables: RopeTables, positions?: Int32Array, docIds?: Int32Array,
  ): Tensor {
    const { q, k, v } = this.queryKeyValue(layer, x, B, T, tables, positions);
    const y = attention(q, k, v, { docIds });
    return linear(reshape(y, [B, T, this.config.numHeads * this.config.headDim]), layer.selfAttn.oProj);
  }

  /** x [B, T, C] -> q [B, T, Hq, D], k, v [B, T, Hkv, D]: projections, QK-norm, then RoPE. */
  queryKeyValue(
    layer: ApertusLayer, x: Tensor, B: number, T: number, tables: RopeTables, positions?: Int32Array,
  ): { q: Tensor; k: Tensor; v: Tensor } {
    const { numHeads: Hq, numKvHeads: Hkv, headDim: D, rmsNormEps: eps } = this.config;
    const a = layer.selfAttn;
    const h = rmsnorm(x, layer.attentionLayernorm, eps);
    const q = reshape(linear(h, a.qProj), [B, T, Hq, D]);
    const k = reshape(linear(h, a.kProj), [B, T, Hkv, D]);
    const v = reshape(linear(h, a.vProj), [B, T, Hkv, D]);
    return {
      q: rope(rmsnorm(q, a.qNorm, eps), tables, positions),
      k: rope(rmsnorm(k, a.kNorm, eps), tables, positions),
      v,
    };
  }

  /** x [B, T, C] -> [B, T, C]: down(xIELU(up(rmsnorm(x)))), the residual branch of the MLP. */
  feedForward(layer: ApertusLayer, x: Tensor): Tensor {
    const m = layer.mlp;
    const h = rmsnorm(x, layer.feedforwardLayernorm, this.config.rmsNormEps);
    return linear(xielu(linear(h, m.upProj), m.alphaP, m.alphaN), m.downProj);
  }

  /** x [..., C] -> logits [..., V]: final norm and lm_head. */
  head(x: Tensor): Tensor {
    return linear(rmsnorm(x, this.norm, this.config.rmsNormEps), this.lmHead);
  }

  private batchShape(ids: Int32Array, batchSize = 1): { B: number; T: number } {
    if (ids.length === 0 || ids.length % batchSize !== 0) {
      throw new Error(`Apertus: ${ids.length} ids do not split into ${batchSize} rows of equal length`);
    }
    return { B: batchSize, T: ids.length / batchSize };
  }

  private nameParameters(): ModelParameter[] {
    const out: ModelParameter[] = [];
    const put = (name: string, tensor: Tensor, weightDecay: boolean) => out.push({ name, tensor, weightDecay });
    put('model.embed_tokens.weight', this.embedTokens, true);
    this.layers.forEach((l, i) => {
      const p = `model.layers.${i}`;
      put(`${p}.attention_layernorm.weight`, l.attentionLayernorm, false);
      put(`${p}.self_attn.q_proj.weight`, l.selfAttn.qProj, true);
      put(`${p}.self_attn.k_proj.weight`, l.selfAttn.kProj, true);
      put(`${p}.self_attn.v_proj.weight`, l.selfAttn.vProj, true);
      put(`${p}.self_attn.o_proj.weight`, l.selfAttn.oProj, true);
      put(`${p}.self_attn.q_norm.weight`, l.selfAttn.qNorm, false);
      put(`${p}.self_attn.k_norm.weight`, l.selfAttn.kNorm, false);
      put(`${p}.feedforward_layernorm.weight`, l.feedforwardLayernorm, false);
      put(`${p}.mlp.up_proj.weight`, l.mlp.upProj, true);
      put(`${p}.mlp.down_proj.weight`, l.mlp.downProj, true);
      put(`${p}.mlp.act_fn.alpha_p`, l.mlp.alphaP, false);
      put(`${p}.mlp.act_fn.alpha_n`, l.mlp.alphaN, false);
    });
    put('model.norm.weight', this.norm, false);
    put('lm_head.weight', this.lmHead, true);
    return out;
  }
}

function maxOf(values: Int32Array): number {
  let m = 0;
  for (const v of values) if (v > m) m = v;
  return m;
}
