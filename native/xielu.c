// xIELU, forward and backward (reference: src/tensor/kernels/xielu.ts; the JS wrapper in
// src/tensor/native.ts passes a_p = softplus(alpha_p) and a_n = beta + softplus(alpha_n) and
// chains the returned sums through softplus).
//   x > 0:  y = a_p x^2 + b x;   x <= 0: y = a_n (expm1(min(x, eps)) - x) + b x
// Arithmetic in double (expm1 keeps its precision near 0), rounded on store. The backward's two
// parameter sums are taken per fixed part of PART elements and added in order, so they do not
// depend on the thread count.
#include <math.h>
#include <stdlib.h>

#include "args.h"
#include "kernels.h"
#include "parallel.h"

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
  for (int64_t i = lo; i < hi; i++) {
    const double x = p->x[i];
    p->out[i] = (float)(x > 0 ? p->aP * x * x + p->beta * x : p->aN * (expm1(fmin(x, p->eps)) - x) + p->beta * x);
  }
}

static void backward_parts(void *ctx, int64_t lo, int64_t hi) {
  const Xielu *p = ctx;
  for (int64_t part = lo; part < hi; part++) {
    double sum_p = 0, sum_n = 0;
    const int64_t end = (part + 1) * PART < p->n ? (part + 1) * PART : p->n;
    for (int64_t i = part * PART; i < end; i++) {
      const double x = p->x[i], g = p->dout[i];
      if (x > 0) {
        p->out[i] = (float)(p->out[i] + g * (2 * p->aP * x + p->beta));
        sum_p += g * x * x;
      } else {
        // d min(x, eps)/dx: 1 below eps, 0 above; torch splits a tie evenly
        const double min_slope = x < p->eps ? 1 : x == p->eps ? 0.5 : 0;
        const double e = fmin(x, p->eps);
        p->out[i] = (float)(p->out[i] + g * (p->aN * (exp(e) * min_slope - 1) + p->beta));
        sum_n += g * (expm1(e) - x);
      }
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
