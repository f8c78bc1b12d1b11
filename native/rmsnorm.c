// RMSNorm, forward and backward (reference: src/tensor/kernels/rmsnorm.ts, same argument order).
//   x [N, C], weight [C] -> out [N, C], rstd [N];  y = x / sqrt(mean(x^2) + eps) * w
//   backward: dx [N, C] +=, dweight [C] +=, with xhat = x r:
//     dx = r (w dy - xhat mean(w dy xhat)),  dw = sum_rows dy xhat
// Rows are split over the pool. dweight is a sum over rows: each fixed group of ROWS_PER_PART rows
// adds into its own double partial, and the partials are summed in order, so the result does not
// depend on the thread count.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "kernels.h"
#include "parallel.h"

#define ROWS_PER_PART 64

typedef struct {
  const float *x, *weight, *dout, *rstd_in;
  float *out, *rstd, *dx;
  double *partials;  // [parts, C]
  int64_t N, C;
  double eps;
} Norm;

static HOT void forward_rows(void *ctx, int64_t lo, int64_t hi) {
  const Norm *n = ctx;
  const int64_t C = n->C;
  for (int64_t i = lo; i < hi; i++) {
    const float *x = n->x + i * C;
    float *out = n->out + i * C;
    double sum_squares = 0;
    for (int64_t c = 0; c < C; c++) sum_squares += (double)x[c] * x[c];
    const double r = 1 / sqrt(sum_squares / C + n->eps);
    n->rstd[i] = (float)r;
    for (int64_t c = 0; c < C; c++) out[c] = (float)(x[c] * r * n->weight[c]);
  }
}

// Parts [lo, hi) of ROWS_PER_PART rows each.
static HOT void backward_parts(void *ctx, int64_t lo, int64_t hi) {
  const Norm *n = ctx;
  const int64_t C = n->C;
  for (int64_t part = lo; part < hi; part++) {
    double *dw = n->partials + part * C;
    memset(dw, 0, sizeof(double) * (size_t)C);
    const int64_t end = (part + 1) * ROWS_PER_PART < n->N ? (part + 1) * ROWS_PER_PART : n->N;
    for (int64_t i = part * ROWS_PER_PART; i < end; i++) {
      const float *x = n->x + i * C, *dy = n->dout + i * C, *w = n->weight;
      float *dx = n->dx + i * C;
      const double r = n->rstd_in[i];
      double dot = 0;
      for (int64_t c = 0; c < C; c++) dot += (double)w[c] * dy[c] * x[c] * r;
      const double mean_dot = dot / C;
      for (int64_t c = 0; c < C; c++) {
        const double xhat = x[c] * r;
        dw[c] += dy[c] * xhat;
        dx[c] = (float)(dx[c] + r * (w[c] * dy[c] - xhat * mean_dot));
      }
    }
  }
}

// rmsnormForward(out, rstd, x, weight, N, C, eps)
KERNEL(rmsnormForward) {
  Args a;
  int64_t N, C;
  double eps;
  Norm n = {0};
  if (!args_read(env, info, "rmsnormForward", 7, &a) || !arg_size(&a, 4, "N", &N) || !arg_size(&a, 5, "C", &C) ||
      !arg_number(&a, 6, "eps", &eps) || !arg_floats(&a, 0, "out", N * C, false, &n.out) ||
      !arg_floats(&a, 1, "rstd", N, false, &n.rstd) || !arg_floats(&a, 2, "x", N * C, false, (float **)&n.x) ||
      !arg_floats(&a, 3, "weight", C, false, (float **)&n.weight)) return NULL;
  n.N = N, n.C = C, n.eps = eps;
  parallel_for(N, parallel_grain(N, 4, 16), forward_rows, &n);
  return NULL;
}

// rmsnormBackward(dx, dweight, dout, x, weight, rstd, N, C)
KERNEL(rmsnormBackward) {
  Args a;
  int64_t N, C;
  float *dweight;
  Norm n = {0};
  if (!args_read(env, info, "rmsnormBackward", 8, &a) || !arg_size(&a, 6, "N", &N) || !arg_size(&a, 7, "C", &C) ||
      !arg_floats(&a, 0, "dx", N * C, false, &n.dx) || !arg_floats(&a, 1, "dweight", C, false, &dweight) ||
      !arg_floats(&a, 2, "dout", N * C, false, (float **)&n.dout) ||
      !arg_floats(&a, 3, "x", N * C, false, (float **)&n.x) ||
      !arg_floats(&a, 4, "weight", C, false, (float **)&n.weight) ||
      !arg_floats(&a, 5, "rstd", N, false, (float **)&n.rstd_in)) return NULL;
  if (N == 0 || C == 0) return NULL;
  const int64_t parts = (N + ROWS_PER_PART - 1) / ROWS_PER_PART;
  n.partials = malloc(sizeof(double) * (size_t)(parts * C));
  if (!n.partials) {
    args_fail(&a, "out of memory");
    return NULL;
  }
  n.N = N, n.C = C;
  parallel_for(parts, 1, backward_parts, &n);
  for (int64_t c = 0; c < C; c++) {
    double sum = 0;
    for (int64_t p = 0; p < parts; p++) sum += n.partials[p * C + c];
    dweight[c] = (float)(dweight[c] + sum);
  }
  free(n.partials);
  return NULL;
}
