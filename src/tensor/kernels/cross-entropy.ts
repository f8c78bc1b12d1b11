// Fused softmax cross-entropy with a per-token loss mask (Goldfish loss; R6).
//   loss = sum_i m_i * -log softmax(logits_i)[target_i] / sum_i m_i
// A token with mask 0 or target < 0 leaves numerator AND denominator, so Goldfish-dropped and
// padding tokens change nothing. All tokens dropped: loss 0 and zero gradients (not 0/0 = NaN).
// Only the per-row logsumexp is saved: the softmax is recomputed in backward instead of storing
// an [N, V] probability tensor, and backward may write dlogits over the logits buffer itself.
import { checkLength, checkSize, type Floats } from './types.js';

/** Per-token weights: 0/1 flags (Goldfish) or fractional weights. */
export type LossMask = Uint8Array | Float32Array | Float64Array;

/** Weight of token i in the mean, 0 when its target is ignored. */
function tokenWeight(targets: Int32Array, mask: LossMask | undefined, i: number): number {
  if (targets[i] < 0) return 0;
  return mask === undefined ? 1 : mask[i];
}

/** sum_i weight_i: the denominator of the masked mean. */
export function crossEntropyWeightSum(targets: Int32Array, mask: LossMask | undefined): number {
  let sum = 0;
  for (let i = 0; i < targets.length; i++) sum += tokenWeight(targets, mask, i);
  return sum;
}

// logits [N, V], targets [N] (int, < 0 ignored), mask [N] optional
//   -> lse [N] (saved for backward; 0 for dropped rows), losses [N] optional (per-token -log p, 0 if dropped)
// returns the masked mean loss
export function crossEntropyForward(
  lse: Floats, logits: Floats, targets: Int32Array, mask: LossMask | undefined, N: number, V: number,
  losses?: Floats,
): number {
  checkShapes('crossEntropyForward', N, V, logits, targets, mask);
  checkLength('crossEntropyForward', 'lse', lse, N, `[N=${N}]`);
  if (losses !== undefined) checkLength('crossEntropyForward', 'losses', losses, N, `[N=${N}]`);
  let numerator = 0;
  let denominator = 0;
  for (let i = 0; i < N; i++) {
    const w = tokenWeight(targets, mask, i);
    if (losses !== undefined) losses[i] = 0;
    lse[i] = 0;
    if (w === 0) continue; // dropped rows cost nothing: no logsumexp over V
    const target = targets[i];
    if (target >= V) throw new Error(`crossEntropyForward: target ${target} at row ${i} is outside the vocabulary of ${V}`);
    const row = i * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) if (logits[row + v] > max) max = logits[row + v];
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(logits[row + v] - max);
    const rowLse = max + Math.log(sum);
    lse[i] = rowLse;
    const tokenLoss = rowLse - logits[row + target];
    if (losses !== undefined) losses[i] = tokenLoss;
    numerator += w * tokenLoss;
    denominator += w;
  }
  return denominator === 0 ? 0 : numerator / denominator;
}

// logits [N, V], lse [N], targets [N], mask [N] optional, dloss (scalar)
//   -> dlogits [N, V] WRITTEN (not accumulated): (softmax - onehot) * m_i / sum(m) * dloss
// dlogits may be the logits buffer: each element is read once, then overwritten.
export function crossEntropyBackward(
  dlogits: Floats, logits: Floats, lse: Floats, targets: Int32Array, mask: LossMask | undefined,
  N: number, V: number, dloss = 1,
): void {
  checkShapes('crossEntropyBackward', N, V, logits, targets, mask);
  checkLength('crossEntropyBackward', 'dlogits', dlogits, N * V, `[N=${N}, V=${V}]`);
  checkLength('crossEntropyBackward', 'lse', lse, N, `[N=${N}]`);
  const denominator = crossEntropyWeightSum(targets, mask);
  for (let i = 0; i < N; i++) {
    const row = i * V;
    const w = tokenWeight(targets, mask, i);
    if (w === 0 || denominator === 0) {
      dlogits.fill(0, row, row + V);
      continue;
    }
    const scale = (w / denominator) * dloss;
    const rowLse = lse[i];
    for (let v = 0; v < V; v++) dlogits[row + v] = Math.exp(logits[row + v] - rowLse) * scale;
    dlogits[row + targets[i]] -= scale;
  }
}

function checkShapes(
  kernel: string, N: number, V: number, logits: Floats, targets: Int32Array, mask: LossMask | undefined,
): void {
  checkSize(kernel, 'N', N);
  checkSize(kernel, 'V', V);
  checkLength(kernel, 'logits', logits, N * V, `[N=${N}, V=${V}]`);
  checkLength(kernel, 'targets', targets, N, `[N=${N}]`);
  if (mask !== undefined) checkLength(kernel, 'mask', mask, N, `[N=${N}]`);
}
