// Causal GQA self-attention with document masks, FlashAttention-2 style (reference:
// src/tensor/kernels/attention.ts, whose semantics and argument order these follow).
//   q [B, T, Hq, D], k, v [B, T, Hkv, D] -> out [B, T, Hq, D], lse [B, Hq, T]
// One [block x block] score block at a time; the block products (S = Q K^T, P V, dP = dO V^T,
// dS K, dS^T Q, P^T dO) are cblas_sgemm calls over strided rows (row stride H * D). The online
// softmax's running max and sum are double, exp is fast_expf (fastmath.h). Jobs over heads are
// split over the addon's pool. Gradients are ADDED into dq, dk, dv.
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "fastmath.h"
#include "kernels.h"
#include "parallel.h"

#define DEFAULT_BLOCK 64

typedef struct {
  int64_t B, T, Hq, Hkv, D, block;
  int32_t *starts;  // [B, T] first token of each token's document
} Attn;

// A positive integer below 2^31 from `value` (a property of the shape or options object).
static bool positive(Args *a, napi_value value, const char *what, int64_t *out) {
  napi_valuetype type;
  napi_typeof(a->env, value, &type);
  if (type != napi_number) return args_fail(a, "%s must be a positive integer, got a non-number", what);
  double x;
  napi_get_value_double(a->env, value, &x);
  if (!(x >= 1 && x <= 2147483647.0) || x != floor(x)) return args_fail(a, "%s must be a positive integer, got %g", what, x);
  *out = (int64_t)x;
  return true;
}

static bool is_object(Args *a, size_t index, const char *what) {
  napi_valuetype type;
  napi_typeof(a->env, a->argv[index], &type);
  if (type != napi_object) return args_fail(a, "%s must be an object", what);
  return true;
}

// shape {B, T, Hq, Hkv, D} at argv[shape_at], options {docIds?, blockSize?} at argv[shape_at + 1];
// argv[spare] is a free slot the option values pass through for the typed-array checks.
static bool read_shape(Args *a, size_t shape_at, size_t spare, Attn *s, int32_t **doc_ids) {
  static const char *names[5] = {"B", "T", "Hq", "Hkv", "D"};
  int64_t *fields[5] = {&s->B, &s->T, &s->Hq, &s->Hkv, &s->D};
  if (!is_object(a, shape_at, "shape")) return false;
  for (int i = 0; i < 5; i++) {
    napi_value value;
    napi_get_named_property(a->env, a->argv[shape_at], names[i], &value);
    if (!positive(a, value, names[i], fields[i])) return false;
  }
  if (s->Hq % s->Hkv != 0) {
    return args_fail(a, "Hq=%lld query heads must be a multiple of Hkv=%lld kv heads", (long long)s->Hq, (long long)s->Hkv);
  }
  if ((double)s->B * s->T * s->Hq * s->D > 2147483647.0) return args_fail(a, "the tensors are too large");
  if (!is_object(a, shape_at + 1, "options")) return false;
  napi_value value;
  napi_valuetype type;
  napi_get_named_property(a->env, a->argv[shape_at + 1], "blockSize", &value);
  napi_typeof(a->env, value, &type);
  s->block = DEFAULT_BLOCK;
  if (type != napi_undefined && !positive(a, value, "blockSize", &s->block)) return false;
  if (s->block > s->T) s->block = s->T;  // same blocks as the reference where it matters: none exceed T
  napi_get_named_property(a->env, a->argv[shape_at + 1], "docIds", &value);
  napi_typeof(a->env, value, &type);
  *doc_ids = NULL;
  if (type != napi_undefined) {
    a->argv[spare] = value;
    if (!arg_ids(a, spare, "docIds", s->B * s->T, doc_ids)) return false;
  }
  return true;
}

static bool make_starts(Args *a, Attn *s, const int32_t *doc_ids) {
  s->starts = calloc((size_t)(s->B * s->T), sizeof(int32_t));
  if (!s->starts) return args_fail(a, "out of memory");
  if (!doc_ids) return true;
  for (int64_t b = 0; b < s->B; b++) {
    for (int64_t t = 1; t < s->T; t++) {
      int64_t i = b * s->T + t;
      s->starts[i] = doc_ids[i] == doc_ids[i - 1] ? s->starts[i - 1] : (int32_t)t;
    }
  }
  return true;
}

// Key columns c of a block starting at key k0 that query i may see: first <= k0 + c <= i.
static inline void visible(int64_t k0, int64_t cols, int64_t first, int64_t i, int64_t *c_lo, int64_t *c_hi) {
  *c_lo = first > k0 ? first - k0 : 0;
  *c_hi = i - k0 + 1 < cols ? i - k0 + 1 : cols;
}

// One query row of a score block in the online softmax: updates the running max and sum, rescales
// the row's accumulator, and turns the scores into unnormalised probabilities (0 where masked).
static HOT void softmax_block_row(float *sr, int64_t k0, int64_t cols, int64_t first, int64_t i, double *row_max,
                                  double *row_sum, float *acc_row, int64_t D) {
  int64_t lo, hi;
  visible(k0, cols, first, i, &lo, &hi);
  if (lo >= hi) {  // row sees nothing in this block
    memset(sr, 0, sizeof(float) * (size_t)cols);
    return;
  }
  float block_max = -INFINITY;
  for (int64_t c = lo; c < hi; c++) block_max = sr[c] > block_max ? sr[c] : block_max;
  const double new_max = *row_max > block_max ? *row_max : block_max;
  const double correction = exp(*row_max - new_max);
  if (correction != 1.0) {
    *row_sum *= correction;
    const float cf = (float)correction;
    for (int64_t d = 0; d < D; d++) acc_row[d] *= cf;
  }
  const float m = (float)new_max;
  float sum = 0;
  for (int64_t c = 0; c < lo; c++) sr[c] = 0;
  for (int64_t c = lo; c < hi; c++) {
    float p = fast_expf(sr[c] - m);
    sr[c] = p;
    sum += p;
  }
  for (int64_t c = hi; c < cols; c++) sr[c] = 0;
  *row_sum += sum;
  *row_max = new_max;
}

// One query row of the backward's probabilities: P = exp(S - lse), 0 where masked.
static HOT void probs_row(float *pr, int64_t k0, int64_t cols, int64_t first, int64_t i, float row_lse) {
  int64_t lo, hi;
  visible(k0, cols, first, i, &lo, &hi);
  for (int64_t c = 0; c < cols; c++) pr[c] = c >= lo && c < hi ? fast_expf(pr[c] - row_lse) : 0.0f;
}

// The tensors of one call, shared by the per-head jobs. Each forward job is one (b, h) pair and
// writes only that head's rows of out and lse; each backward job is one (b, kv head) pair and
// writes that kv head's dk, dv and the dq of its query-head group, so jobs never overlap.
typedef struct {
  const Attn *s;
  const float *q, *k, *v, *out, *lse;
  float *dq, *dk, *dv;
  const float *dout;
  bool failed;
} Job;

static void forward_heads(void *ctx, int64_t lo, int64_t hi) {
  Job *job = ctx;
  const Attn *s = job->s;
  const int64_t T = s->T, Hq = s->Hq, Hkv = s->Hkv, D = s->D, block = s->block;
  const int64_t group = Hq / Hkv, ldq = Hq * D, ldk = Hkv * D;
  const float scale = (float)(1.0 / sqrt((double)D));
  const float *q = job->q, *k = job->k, *v = job->v;
  float *out = (float *)job->out, *lse = (float *)job->lse;
  float *scores = malloc(sizeof(float) * (size_t)(block * block));
  float *acc = malloc(sizeof(float) * (size_t)(block * D));
  double *row_max = malloc(sizeof(double) * (size_t)block);
  double *row_sum = malloc(sizeof(double) * (size_t)block);
  if (!scores || !acc || !row_max || !row_sum) {
    job->failed = true;
    goto done;
  }
  for (int64_t bh = lo; bh < hi; bh++) {
    const int64_t b = bh / Hq, h = bh % Hq;
    const int64_t hk = h / group;
    for (int64_t q0 = 0; q0 < T; q0 += block) {
      const int64_t rows = T - q0 < block ? T - q0 : block;
      for (int64_t r = 0; r < rows; r++) row_max[r] = -INFINITY, row_sum[r] = 0;
      memset(acc, 0, sizeof(float) * (size_t)(rows * D));
      const float *qb = q + ((b * T + q0) * Hq + h) * D;
      const int64_t first_key = s->starts[b * T + q0] / block * block;
      for (int64_t k0 = first_key; k0 < q0 + rows; k0 += block) {
        const int64_t cols = T - k0 < block ? T - k0 : block;
        const float *kb = k + ((b * T + k0) * Hkv + hk) * D;
        const float *vb = v + ((b * T + k0) * Hkv + hk) * D;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)cols, (int)D, scale, qb, (int)ldq,
                    kb, (int)ldk, 0.0f, scores, (int)block);
        for (int64_t r = 0; r < rows; r++) {
          const int64_t i = q0 + r, first = s->starts[b * T + i];
          softmax_block_row(scores + r * block, k0, cols, first, i, &row_max[r], &row_sum[r], acc + r * D, D);
        }
        // acc += P V (rows that saw nothing have P = 0)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)D, (int)cols, 1.0f, scores,
                    (int)block, vb, (int)ldk, 1.0f, acc, (int)D);
      }
      for (int64_t r = 0; r < rows; r++) {
        const int64_t i = q0 + r;
        float *o = out + ((b * T + i) * Hq + h) * D;
        const double inv = 1.0 / row_sum[r];
        for (int64_t d = 0; d < D; d++) o[d] = (float)(acc[r * D + d] * inv);
        lse[(b * Hq + h) * T + i] = (float)(row_max[r] + log(row_sum[r]));
      }
    }
  }
done:
  free(scores);
  free(acc);
  free(row_max);
  free(row_sum);
}

static void backward_heads(void *ctx, int64_t lo, int64_t hi) {
  Job *job = ctx;
  const Attn *s = job->s;
  const int64_t T = s->T, Hq = s->Hq, Hkv = s->Hkv, D = s->D, block = s->block;
  const int64_t group = Hq / Hkv, ldq = Hq * D, ldk = Hkv * D;
  const float scale = (float)(1.0 / sqrt((double)D));
  const float *q = job->q, *k = job->k, *v = job->v, *out = job->out, *lse = job->lse, *dout = job->dout;
  float *dq = job->dq, *dk = job->dk, *dv = job->dv;
  float *delta = malloc(sizeof(float) * (size_t)(group * T));
  float *probs = malloc(sizeof(float) * (size_t)(block * block));
  float *dscore = malloc(sizeof(float) * (size_t)(block * block));
  float *dk_block = malloc(sizeof(float) * (size_t)(block * D));
  float *dv_block = malloc(sizeof(float) * (size_t)(block * D));
  if (!delta || !probs || !dscore || !dk_block || !dv_block) {
    job->failed = true;
    goto done;
  }
  for (int64_t bk = lo; bk < hi; bk++) {
    const int64_t b = bk / Hkv, hk = bk % Hkv;
    for (int64_t g = 0; g < group; g++) {
      const int64_t h = hk * group + g;
      for (int64_t i = 0; i < T; i++) {
        const int64_t oi = ((b * T + i) * Hq + h) * D;
        double sum = 0;
        for (int64_t d = 0; d < D; d++) sum += (double)dout[oi + d] * out[oi + d];
        delta[g * T + i] = (float)sum;
      }
    }
    for (int64_t k0 = 0; k0 < T; k0 += block) {
      const int64_t cols = T - k0 < block ? T - k0 : block;
      const float *kb = k + ((b * T + k0) * Hkv + hk) * D;
      const float *vb = v + ((b * T + k0) * Hkv + hk) * D;
      memset(dk_block, 0, sizeof(float) * (size_t)(cols * D));
      memset(dv_block, 0, sizeof(float) * (size_t)(cols * D));
      for (int64_t g = 0; g < group; g++) {
        const int64_t h = hk * group + g;
        for (int64_t q0 = k0 / block * block; q0 < T; q0 += block) {
          if (s->starts[b * T + q0] >= k0 + cols) break;
          const int64_t rows = T - q0 < block ? T - q0 : block;
          const float *qb = q + ((b * T + q0) * Hq + h) * D;
          const float *dob = dout + ((b * T + q0) * Hq + h) * D;
          float *dqb = dq + ((b * T + q0) * Hq + h) * D;
          // P = exp(scale Q K^T - lse), masked to 0
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)cols, (int)D, scale, qb, (int)ldq,
                      kb, (int)ldk, 0.0f, probs, (int)block);
          for (int64_t r = 0; r < rows; r++) {
            const int64_t i = q0 + r;
            probs_row(probs + r * block, k0, cols, s->starts[b * T + i], i, lse[(b * Hq + h) * T + i]);
          }
          // dV += P^T dO;  dP = dO V^T
          cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)cols, (int)D, (int)rows, 1.0f, probs, (int)block,
                      dob, (int)ldq, 1.0f, dv_block, (int)D);
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)cols, (int)D, 1.0f, dob, (int)ldq,
                      vb, (int)ldk, 0.0f, dscore, (int)block);
          // dS = scale P (dP - Delta)
          for (int64_t r = 0; r < rows; r++) {
            const float row_delta = delta[g * T + q0 + r];
            const float *pr = probs + r * block;
            float *dsr = dscore + r * block;
            for (int64_t c = 0; c < cols; c++) dsr[c] = pr[c] * (dsr[c] - row_delta) * scale;
          }
          // dQ += dS K;  dK += dS^T Q
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)D, (int)cols, 1.0f, dscore,
                      (int)block, kb, (int)ldk, 1.0f, dqb, (int)ldq);
          cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)cols, (int)D, (int)rows, 1.0f, dscore,
                      (int)block, qb, (int)ldq, 1.0f, dk_block, (int)D);
        }
      }
      for (int64_t c = 0; c < cols; c++) {
        const int64_t kj = ((b * T + k0 + c) * Hkv + hk) * D;
        for (int64_t d = 0; d < D; d++) {
          dk[kj + d] += dk_block[c * D + d];
          dv[kj + d] += dv_block[c * D + d];
        }
      }
    }
  }
done:
  free(delta);
  free(probs);
  free(dscore);
  free(dk_block);
  free(dv_block);
}

// attentionForward(out, lse, q, k, v, shape, options)
KERNEL(attentionForward) {
  Args a;
  Attn s;
  int32_t *doc_ids;
  float *out, *lse, *q, *k, *v;
  if (!args_read(env, info, "attentionForward", 7, &a) || !read_shape(&a, 5, 7, &s, &doc_ids)) return NULL;
  const int64_t B = s.B, T = s.T, Hq = s.Hq, Hkv = s.Hkv, D = s.D;
  const int64_t nq = B * T * Hq * D, nk = B * T * Hkv * D;
  if (!arg_floats(&a, 0, "out", nq, false, &out) || !arg_floats(&a, 1, "lse", B * Hq * T, false, &lse) ||
      !arg_floats(&a, 2, "q", nq, false, &q) || !arg_floats(&a, 3, "k", nk, false, &k) ||
      !arg_floats(&a, 4, "v", nk, false, &v) || !make_starts(&a, &s, doc_ids)) return NULL;
  Job job = {&s, q, k, v, out, lse, NULL, NULL, NULL, NULL, false};
  parallel_for(B * Hq, 1, forward_heads, &job);
  if (job.failed) args_fail(&a, "out of memory");
  free(s.starts);
  return NULL;
}

// attentionBackward(dq, dk, dv, dout, q, k, v, out, lse, shape, options)
KERNEL(attentionBackward) {
  Args a;
  Attn s;
  int32_t *doc_ids;
  float *dq, *dk, *dv, *dout, *q, *k, *v, *out, *lse;
  if (!args_read(env, info, "attentionBackward", 11, &a) || !read_shape(&a, 9, 11, &s, &doc_ids)) return NULL;
  const int64_t B = s.B, T = s.T, Hq = s.Hq, Hkv = s.Hkv, D = s.D;
  const int64_t nq = B * T * Hq * D, nk = B * T * Hkv * D;
  if (!arg_floats(&a, 0, "dq", nq, false, &dq) || !arg_floats(&a, 1, "dk", nk, false, &dk) ||
      !arg_floats(&a, 2, "dv", nk, false, &dv) || !arg_floats(&a, 3, "dout", nq, false, &dout) ||
      !arg_floats(&a, 4, "q", nq, false, &q) || !arg_floats(&a, 5, "k", nk, false, &k) ||
      !arg_floats(&a, 6, "v", nk, false, &v) || !arg_floats(&a, 7, "out", nq, false, &out) ||
      !arg_floats(&a, 8, "lse", B * Hq * T, false, &lse) || !make_starts(&a, &s, doc_ids)) return NULL;
  Job job = {&s, q, k, v, out, lse, dq, dk, dv, dout, false};
  parallel_for(B * Hkv, 1, backward_heads, &job);
  if (job.failed) args_fail(&a, "out of memory");
  free(s.starts);
  return NULL;
}
