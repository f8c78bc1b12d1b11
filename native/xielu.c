// xIELU, forward and backward (reference: src/tensor/kernels/xielu.ts; the JS wrapper in
// src/tensor/native.ts passes a_p = softplus(alpha_p) and a_n = beta + softplus(alpha_n) and
// chains the returned sums through softplus).
//   x > 0:  y = a_p x^2 + b x;   x <= 0: y = a_n (expm1(min(x, eps)) - x) + b x
// Float arithmetic, branch-free so the loops vectorise: expm1 is fast_expf(x) - 1 below -1/8 and
// its Taylor series above (where exp(x) - 1 would cancel), both within ~1e-7 absolute. The
// backward's two parameter sums are double, per fixed part of PART elements, added in order, so
// they do not depend on the thread count.
#include <math.h>
#include <stdlib.h>

#include "args.h"
#include "fastmath.h"
#include "kernels.h"
#include "parallel.h"

// expm1(x) for x <= 0 (x >= -87 after fast_expf's clamp).
static inline float expm1_nonpositive(float x) {
  const float series = x * (1.0f + x * (0.5f + x * (1.0f / 6 + x * (1.0f / 24 + x * (1.0f / 120 + x * (1.0f / 720))))));
  return x > -0.125f ? series : fast_expf(x) - 1.0f;
}

#define PART 16384

typedef struct {
  const float *x, *dout;
  float *out;
  double aP, aN, beta, eps;
  double *sums;  // [parts, 2]: sum dy x^2 (x > 0), sum dy (expm1(min(x, eps)) - x) (x <= 0)
  int64_t n;
} Xielu;

static HOT void forward_range(void *ctx, int64_t lo, int64_t hi) {
  const Xielu *p = ctx;
  const float aP = (float)p->aP, aN = (float)p->aN, beta = (float)p->beta, eps = (float)p->eps;
  const float *x = p->x;
  float *out = p->out;
  for (int64_t i = lo; i < hi; i++) {
    const float v = x[i], e = (double)v < p->eps ? v : eps;
    const float positive = aP * v * v + beta * v, negative = aN * (expm1_nonpositive(e) - v) + beta * v;
    out[i] = v > 0 ? positive : negative;
  }
}

static HOT void backward_parts(void *ctx, int64_t lo, int64_t hi) {
  const Xielu *p = ctx;
  const float aP = (float)p->aP, aN = (float)p->aN, beta = (float)p->beta, eps = (float)p->eps;
  const float *x = p->x, *dout = p->dout;
  float *dx = p->out;
  for (int64_t part = lo; part < hi; part++) {
    double sum_p = 0, sum_n = 0;
    const int64_t end = (part + 1) * PART < p->n ? (part + 1) * PART : p->n;
    for (int64_t i = part * PART; i < end; i++) {
      // min(x, eps) and its slope compared in double, as the reference (eps = -1e-6 is no float)
      const float v = x[i], g = dout[i];
      const double vd = v;
      const float e = vd < p->eps ? v : eps;
      // d min(x, eps)/dx: 1 below eps, 0 above; torch splits a tie evenly
      const float min_slope = vd < p->eps ? 1.0f : vd == p->eps ? 0.5f : 0.0f;
      const float em1 = expm1_nonpositive(e);
      const bool pos = v > 0;
      dx[i] += g * (pos ? 2 * aP * v + beta : aN * ((em1 + 1.0f) * min_slope - 1.0f) + beta);
      const float term_p = g * v * v, term_n = g * (em1 - v);
      sum_p += pos ? term_p : 0.0f;
      sum_n += pos ? 0.0f : term_n;
    }
    p->sums[2 * part] = sum_p;
    p->sums[2 * part + 1] = sum_n;
  }
}

static bool coefficients(Args *a, size_t at, Xielu *p) {
  return arg_number(a, at, "aP", &p->aP) && arg_number(a, at + 1, "aN", &p->aN) &&
         arg_number(a, at + 2, "beta", &p->beta) && arg_number(a, at + 3, "eps", &p->eps);
}

// xieluForward(out, x, n, aP, aN, beta, eps)
KERNEL(xieluForward) {
  Args a;
  Xielu p = {0};
  if (!args_read(env, info, "xieluForward", 7, &a) || !arg_size(&a, 2, "n", &p.n) ||
      !arg_floats(&a, 0, "out", p.n, false, &p.out) || !arg_floats(&a, 1, "x", p.n, false, (float **)&p.x) ||
      !coefficients(&a, 3, &p)) return NULL;
  parallel_for(p.n, parallel_grain(p.n, 1, PART), forward_range, &p);
  return NULL;
}

// xieluBackward(dx, dout, x, n, aP, aN, beta, eps) -> [sum dy dy/da_p, sum dy dy/da_n]
KERNEL(xieluBackward) {
  Args a;
  Xielu p = {0};
  if (!args_read(env, info, "xieluBackward", 8, &a) || !arg_size(&a, 3, "n", &p.n) ||
      !arg_floats(&a, 0, "dx", p.n, false, &p.out) || !arg_floats(&a, 1, "dout", p.n, false, (float **)&p.dout) ||
      !arg_floats(&a, 2, "x", p.n, false, (float **)&p.x) || !coefficients(&a, 4, &p)) return NULL;
  const int64_t parts = (p.n + PART - 1) / PART;
  p.sums = calloc((size_t)(parts > 0 ? 2 * parts : 2), sizeof(double));
  if (!p.sums) {
    args_fail(&a, "out of memory");
    return NULL;
  }
  parallel_for(parts, 1, backward_parts, &p);
  double sum_p = 0, sum_n = 0;
  for (int64_t part = 0; part < parts; part++) sum_p += p.sums[2 * part], sum_n += p.sums[2 * part + 1];
  free(p.sums);
  napi_value out, vp, vn;
  napi_create_array_with_length(env, 2, &out);
  napi_create_double(env, sum_p, &vp);
  napi_create_double(env, sum_n, &vn);
  napi_set_element(env, out, 0, vp);
  napi_set_element(env, out, 1, vn);
  return out;
}
