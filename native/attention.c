// Causal GQA self-attention with document masks, FlashAttention-2 style (reference:
// src/tensor/kernels/attention.ts, whose semantics and argument order these follow).
//   q [B, T, Hq, D], k, v [B, T, Hkv, D] -> out [B, T, Hq, D], lse [B, Hq, T]
// One [block x block] score block at a time; the block products (S = Q K^T, P V, dP = dO V^T,
// dS K, dS^T Q, P^T dO) are cblas_sgemm calls over strided rows (row stride H * D). The online
// softmax's running max and sum are double. Gradients are ADDED into dq, dk, dv.
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "kernels.h"

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

// attentionForward(out, lse, q, k, v, shape, options)
KERNEL(attentionForward) {
  Args a;
  Attn s;
  int32_t *doc_ids;
  float *out, *lse, *q, *k, *v;
  if (!args_read(env, info, "attentionForward", 7, &a) || !read_shape(&a, 5, 7, &s, &doc_ids)) return NULL;
  const int64_t B = s.B, T = s.T, Hq = s.Hq, Hkv = s.Hkv, D = s.D, block = s.block;
  const int64_t nq = B * T * Hq * D, nk = B * T * Hkv * D;
  if (!arg_floats(&a, 0, "out", nq, false, &out) || !arg_floats(&a, 1, "lse", B * Hq * T, false, &lse) ||
      !arg_floats(&a, 2, "q", nq, false, &q) || !arg_floats(&a, 3, "k", nk, false, &k) ||
      !arg_floats(&a, 4, "v", nk, false, &v) || !make_starts(&a, &s, doc_ids)) return NULL;
  const int64_t group = Hq / Hkv, ldq = Hq * D, ldk = Hkv * D;
  const float scale = (float)(1.0 / sqrt((double)D));
  float *scores = malloc(sizeof(float) * (size_t)(block * block));
  float *acc = malloc(sizeof(float) * (size_t)(block * D));
  double *row_max = malloc(sizeof(double) * (size_t)block);
  double *row_sum = malloc(sizeof(double) * (size_t)block);
  if (!scores || !acc || !row_max || !row_sum) {
    args_fail(&a, "out of memory");
    goto done;
  }
  for (int64_t b = 0; b < B; b++) {
    for (int64_t h = 0; h < Hq; h++) {
      const int64_t hk = h / group;
      for (int64_t q0 = 0; q0 < T; q0 += block) {
        const int64_t rows = T - q0 < block ? T - q0 : block;
        for (int64_t r = 0; r < rows; r++) row_max[r] = -INFINITY, row_sum[r] = 0;
        memset(acc, 0, sizeof(float) * (size_t)(rows * D));
        const float *qb = q + ((b * T + q0) * Hq + h) * D;
        const int64_t first_key = s.starts[b * T + q0] / block * block;
        for (int64_t k0 = first_key; k0 < q0 + rows; k0 += block) {
          const int64_t cols = T - k0 < block ? T - k0 : block;
          const float *kb = k + ((b * T + k0) * Hkv + hk) * D;
          const float *vb = v + ((b * T + k0) * Hkv + hk) * D;
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)cols, (int)D, scale, qb, (int)ldq,
                      kb, (int)ldk, 0.0f, scores, (int)block);
          for (int64_t r = 0; r < rows; r++) {
            const int64_t i = q0 + r, lo = s.starts[b * T + i];
            float *sr = scores + r * block;
            double block_max = -INFINITY;
            for (int64_t c = 0; c < cols; c++) {
              const int64_t j = k0 + c;
              if (j >= lo && j <= i) {
                if (sr[c] > block_max) block_max = sr[c];
              }
            }
            if (block_max == -INFINITY) {  // row sees nothing in this block
              memset(sr, 0, sizeof(float) * (size_t)cols);
              continue;
            }
            const double new_max = row_max[r] > block_max ? row_max[r] : block_max;
            const double correction = exp(row_max[r] - new_max);
            if (correction != 1.0) {
              row_sum[r] *= correction;
              float *ar = acc + r * D;
              const float cf = (float)correction;
              for (int64_t d = 0; d < D; d++) ar[d] *= cf;
            }
            double sum = 0;
            for (int64_t c = 0; c < cols; c++) {
              const int64_t j = k0 + c;
              float p = 0;
              if (j >= lo && j <= i) p = (float)exp((double)sr[c] - new_max);
              sr[c] = p;
              sum += p;
            }
            row_sum[r] += sum;
            row_max[r] = new_max;
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
  }
done:
  free(scores);
  free(acc);
  free(row_max);
  free(row_sum);
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
  const int64_t B = s.B, T = s.T, Hq = s.Hq, Hkv = s.Hkv, D = s.D, block = s.block;
  const int64_t nq = B * T * Hq * D, nk = B * T * Hkv * D;
  if (!arg_floats(&a, 0, "dq", nq, false, &dq) || !arg_floats(&a, 1, "dk", nk, false, &dk) ||
      !arg_floats(&a, 2, "dv", nk, false, &dv) || !arg_floats(&a, 3, "dout", nq, false, &dout) ||
      !arg_floats(&a, 4, "q", nq, false, &q) || !arg_floats(&a, 5, "k", nk, false, &k) ||
      !arg_floats(&a, 6, "v", nk, false, &v) || !arg_floats(&a, 7, "out", nq, false, &out) ||
      !arg_floats(&a, 8, "lse", B * Hq * T, false, &lse) || !make_starts(&a, &s, doc_ids)) return NULL;
  const int64_t group = Hq / Hkv, ldq = Hq * D, ldk = Hkv * D;
  const float scale = (float)(1.0 / sqrt((double)D));
  float *delta = malloc(sizeof(float) * (size_t)(group * T));
  float *probs = malloc(sizeof(float) * (size_t)(block * block));
  float *dscore = malloc(sizeof(float) * (size_t)(block * block));
  float *dk_block = malloc(sizeof(float) * (size_t)(block * D));
  float *dv_block = malloc(sizeof(float) * (size_t)(block * D));
  if (!delta || !probs || !dscore || !dk_block || !dv_block) {
    args_fail(&a, "out of memory");
    goto done;
  }
  for (int64_t b = 0; b < B; b++) {
    for (int64_t hk = 0; hk < Hkv; hk++) {
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
            if (s.starts[b * T + q0] >= k0 + cols) break;
            const int64_t rows = T - q0 < block ? T - q0 : block;
            const float *qb = q + ((b * T + q0) * Hq + h) * D;
            const float *dob = dout + ((b * T + q0) * Hq + h) * D;
            float *dqb = dq + ((b * T + q0) * Hq + h) * D;
            // P = exp(scale Q K^T - lse), masked to 0
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)rows, (int)cols, (int)D, scale, qb, (int)ldq,
                        kb, (int)ldk, 0.0f, probs, (int)block);
            for (int64_t r = 0; r < rows; r++) {
              const int64_t i = q0 + r, lo = s.starts[b * T + i];
              const double row_lse = lse[(b * Hq + h) * T + i];
              float *pr = probs + r * block;
              for (int64_t c = 0; c < cols; c++) {
                const int64_t j = k0 + c;
                pr[c] = j >= lo && j <= i ? (float)exp((double)pr[c] - row_lse) : 0.0f;
              }
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
  }
done:
  free(delta);
  free(probs);
  free(dscore);
  free(dk_block);
  free(dv_block);
  free(s.starts);
  return NULL;
}
