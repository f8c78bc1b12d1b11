// Fused softmax cross-entropy with a per-token loss mask (reference:
// src/tensor/kernels/cross-entropy.ts, whose semantics and argument order these follow).
//   logits [N, V], targets [N] (< 0 ignored), mask [N] optional (Uint8Array or Float32Array)
//   forward -> lse [N] (0 for dropped rows), losses [N] optional; returns the masked mean loss
//   backward -> dlogits [N, V] WRITTEN: (softmax - onehot) * m_i / sum(m) * dloss; may be logits
// exp is fast_expf in float (~1 ulp); the row sums, logsumexp and the loss are double.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "fastmath.h"
#include "kernels.h"
#include "parallel.h"

#define LANES 8

static double weight(const int32_t *targets, const Mask *mask, int64_t i) {
  if (targets[i] < 0) return 0;
  return mask->u8 ? mask->u8[i] : mask->f32 ? mask->f32[i] : 1;
}

// Reads (N, V) at argv[n_at], then logits, targets and mask; checks every weighted target < V.
static bool ce_args(Args *a, size_t n_at, size_t logits_at, size_t targets_at, size_t mask_at, int64_t *N, int64_t *V,
                    float **logits, int32_t **targets, Mask *mask) {
  if (!arg_size(a, n_at, "N", N) || !arg_size(a, n_at + 1, "V", V)) return false;
  if ((double)*N * *V > 2147483647.0) return args_fail(a, "logits [N=%lld, V=%lld] is too large", (long long)*N, (long long)*V);
  if (!arg_floats(a, logits_at, "logits", *N * *V, false, logits) || !arg_ids(a, targets_at, "targets", *N, targets) ||
      !arg_mask(a, mask_at, "mask", *N, mask)) return false;
  for (int64_t i = 0; i < *N; i++) {
    if (weight(*targets, mask, i) != 0 && (*targets)[i] >= *V) {
      return args_fail(a, "target %d at row %lld is outside the vocabulary of %lld", (*targets)[i], (long long)i, (long long)*V);
    }
  }
  return true;
}

// log sum_v exp(row[v]) in double: the max, then exp(row - max) summed in LANES double partial sums.
static inline double row_lse(const float *row, int64_t V) {
  float max = -INFINITY;
  for (int64_t v = 0; v < V; v++) max = row[v] > max ? row[v] : max;
  double acc[LANES] = {0};
  int64_t v = 0;
  for (; v + LANES <= V; v += LANES)
    for (int k = 0; k < LANES; k++) acc[k] += fast_expf(row[v + k] - max);
  for (; v < V; v++) acc[0] += fast_expf(row[v] - max);
  double sum = 0;
  for (int k = 0; k < LANES; k++) sum += acc[k];
  return max + log(sum);
}

typedef struct {
  const float *logits;
  const int32_t *targets;
  const Mask *mask;
  float *lse, *dlogits;
  double *row_loss;
  int64_t V;
  double denominator, dloss;
} Rows;

// Rows [lo, hi): lse and the row's loss (0 for dropped rows).
static HOT void forward_rows(void *ctx, int64_t lo, int64_t hi) {
  const Rows *r = ctx;
  for (int64_t i = lo; i < hi; i++) {
    r->lse[i] = 0;
    r->row_loss[i] = 0;
    if (weight(r->targets, r->mask, i) == 0) continue;
    const float *row = r->logits + i * r->V;
    double rowLse = row_lse(row, r->V);
    r->lse[i] = (float)rowLse;
    r->row_loss[i] = rowLse - row[r->targets[i]];
  }
}

static HOT void backward_rows(void *ctx, int64_t lo, int64_t hi) {
  const Rows *r = ctx;
  const int64_t V = r->V;
  for (int64_t i = lo; i < hi; i++) {
    float *out = r->dlogits + i * V;
    const float *row = r->logits + i * V;
    double w = weight(r->targets, r->mask, i);
    if (w == 0 || r->denominator == 0) {
      memset(out, 0, (size_t)V * sizeof(float));
      continue;
    }
    double scale = w / r->denominator * r->dloss;
    float s = (float)scale, rowLse = r->lse[i];
    for (int64_t v = 0; v < V; v++) out[v] = fast_expf(row[v] - rowLse) * s;
    const int32_t t = r->targets[i];
    out[t] = (float)(out[t] - scale);
  }
}

// (lse, logits, targets, mask, N, V, losses) -> the masked mean loss
KERNEL(crossEntropyForward) {
  Args a;
  int64_t N, V;
  float *lse, *logits, *losses;
  int32_t *targets;
  Mask mask;
  if (!args_read(env, info, "crossEntropyForward", 7, &a) ||
      !ce_args(&a, 4, 1, 2, 3, &N, &V, &logits, &targets, &mask) || !arg_floats(&a, 0, "lse", N, false, &lse) ||
      !arg_floats(&a, 6, "losses", N, true, &losses)) return NULL;
  double *row_loss = malloc(sizeof(double) * (size_t)(N > 0 ? N : 1));
  if (!row_loss) {
    args_fail(&a, "out of memory");
    return NULL;
  }
  Rows r = {.logits = logits, .targets = targets, .mask = &mask, .lse = lse, .row_loss = row_loss, .V = V};
  parallel_for(N, 8, forward_rows, &r);
  // The masked mean in row order, so it does not depend on the thread count.
  double numerator = 0, denominator = 0;
  for (int64_t i = 0; i < N; i++) {
    double w = weight(targets, &mask, i);
    if (losses) losses[i] = w == 0 ? 0.0f : (float)row_loss[i];
    if (w == 0) continue;
    numerator += w * row_loss[i];
    denominator += w;
  }
  free(row_loss);
  napi_value out;
  napi_create_double(env, denominator == 0 ? 0 : numerator / denominator, &out);
  return out;
}

// (dlogits, logits, lse, targets, mask, N, V, dloss)
KERNEL(crossEntropyBackward) {
  Args a;
  int64_t N, V;
  float *dlogits, *logits, *lse;
  int32_t *targets;
  Mask mask;
  double dloss;
  if (!args_read(env, info, "crossEntropyBackward", 8, &a) ||
      !ce_args(&a, 5, 1, 3, 4, &N, &V, &logits, &targets, &mask) ||
      !arg_floats(&a, 0, "dlogits", N * V, false, &dlogits) || !arg_floats(&a, 2, "lse", N, false, &lse) ||
      !arg_number(&a, 7, "dloss", &dloss)) return NULL;
  double denominator = 0;
  for (int64_t i = 0; i < N; i++) denominator += weight(targets, &mask, i);
  Rows r = {.logits = logits, .targets = targets, .mask = &mask, .lse = lse, .dlogits = dlogits, .V = V,
            .denominator = denominator, .dloss = dloss};
  parallel_for(N, 8, backward_rows, &r);
  return NULL;
}
