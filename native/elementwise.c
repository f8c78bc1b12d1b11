// Elementwise kernels (reference: kernels/elementwise.ts).
//   x, y, out, dx, dy: [n];  b: [bn], n % bn == 0, broadcast as b[i % bn].
// add/sub/mul round a float op once, as the reference's double op rounded on store does (the
// exact sum or product of two floats fits a double), so results agree to the last bit; scale and
// axpy compute in double like the reference; GELU is float arithmetic (see there). Backward
// kernels accumulate (dx += ...). Every loop is split over the addon's pool (parallel.h).
#include <math.h>

#include "args.h"
#include "fastmath.h"
#include "kernels.h"
#include "parallel.h"

// Elements per chunk: below this a pass is not worth sharing.
#define MIN_GRAIN 16384

typedef struct {
  const float *x, *b, *dy;
  float *out, *da, *db;
  int64_t bn;
  double alpha;
} Pass;

static void run(int64_t n, RangeFn fn, Pass *p) { parallel_for(n, parallel_grain(n, 1, MIN_GRAIN), fn, p); }

// Reads (n, a, b, bn, ...) and checks that bn divides n.
static bool broadcast_args(Args *a, int64_t *n, float **x, float **b, int64_t *bn) {
  if (!arg_size(a, 0, "n", n) || !arg_floats(a, 1, "a", *n, false, x) || !arg_size(a, 3, "bn", bn)) return false;
  if (*bn == 0 ? *n != 0 : *n % *bn != 0) return args_fail(a, "bn (%lld) must divide n (%lld)", (long long)*bn, (long long)*n);
  return arg_floats(a, 2, "b", *bn, false, b);
}

// A broadcast pass over rows of bn: chunks are cut at row starts (rows = [lo, hi) of n / bn).
#define BROADCAST_OP(name, op)                                                     \
  static HOT void name##_rows(void *ctx, int64_t lo, int64_t hi) {                 \
    const Pass *p = ctx;                                                           \
    const int64_t bn = p->bn;                                                      \
    for (int64_t r = lo; r < hi; r++) {                                            \
      const float *x = p->x + r * bn;                                              \
      float *out = p->out + r * bn;                                                \
      for (int64_t j = 0; j < bn; j++) out[j] = x[j] op p->b[j];                   \
    }                                                                              \
  }                                                                                \
  KERNEL(name) {                                                                   \
    Args a;                                                                        \
    int64_t n, bn;                                                                 \
    float *x, *b, *out;                                                            \
    if (!args_read(env, info, #name, 5, &a) || !broadcast_args(&a, &n, &x, &b, &bn) || \
        !arg_floats(&a, 4, "out", n, false, &out) || n == 0) return NULL;          \
    Pass p = {.x = x, .b = b, .out = out, .bn = bn};                               \
    int64_t rows = n / bn;                                                         \
    parallel_for(rows, parallel_grain(rows, 1, MIN_GRAIN / bn + 1), name##_rows, &p); \
    return NULL;                                                                   \
  }

BROADCAST_OP(add, +)
BROADCAST_OP(sub, -)
BROADCAST_OP(mul, *)

// da += dy * b[i % bn];  db[i % bn] += dy * a; null skips a gradient. db is a reduction over
// rows, so it runs on one thread (in double per element as the reference); da is split.
static HOT void mul_backward_a(void *ctx, int64_t lo, int64_t hi) {
  const Pass *p = ctx;
  for (int64_t r = lo; r < hi; r++)
    for (int64_t j = 0; j < p->bn; j++) {
      int64_t i = r * p->bn + j;
      p->da[i] = (float)(p->da[i] + (double)p->dy[i] * p->b[j]);
    }
}

KERNEL(mulBackward) {
  Args a;
  int64_t n, bn;
  float *x, *b, *dy, *da, *db;
  if (!args_read(env, info, "mulBackward", 7, &a) || !broadcast_args(&a, &n, &x, &b, &bn) ||
      !arg_floats(&a, 4, "dy", n, false, &dy) || !arg_floats(&a, 5, "da", n, true, &da) ||
      !arg_floats(&a, 6, "db", bn, true, &db) || n == 0) return NULL;
  if (da) {
    Pass p = {.b = b, .dy = dy, .da = da, .bn = bn};
    int64_t rows = n / bn;
    parallel_for(rows, parallel_grain(rows, 1, MIN_GRAIN / bn + 1), mul_backward_a, &p);
  }
  if (db)
    for (int64_t i0 = 0; i0 < n; i0 += bn)
      for (int64_t j = 0; j < bn; j++) db[j] = (float)(db[j] + (double)dy[i0 + j] * x[i0 + j]);
  return NULL;
}

// Reads (n, alpha, x, out) for scale and axpy; out may be x.
static bool scaled_args(Args *a, int64_t *n, double *alpha, float **x, float **out, const char *out_name) {
  return arg_size(a, 0, "n", n) && arg_number(a, 1, "alpha", alpha) &&
         arg_floats(a, 2, "x", *n, false, x) && arg_floats(a, 3, out_name, *n, false, out);
}

static HOT void scale_range(void *ctx, int64_t lo, int64_t hi) {
  const Pass *p = ctx;
  for (int64_t i = lo; i < hi; i++) p->out[i] = (float)(p->alpha * p->x[i]);
}

KERNEL(scale) {
  Args a;
  int64_t n;
  double alpha;
  float *x, *out;
  if (!args_read(env, info, "scale", 4, &a) || !scaled_args(&a, &n, &alpha, &x, &out, "out")) return NULL;
  Pass p = {.x = x, .out = out, .alpha = alpha};
  run(n, scale_range, &p);
  return NULL;
}

// y += alpha x
static HOT void axpy_range(void *ctx, int64_t lo, int64_t hi) {
  const Pass *p = ctx;
  for (int64_t i = lo; i < hi; i++) p->out[i] = (float)(p->out[i] + p->alpha * p->x[i]);
}

KERNEL(axpy) {
  Args a;
  int64_t n;
  double alpha;
  float *x, *y;
  if (!args_read(env, info, "axpy", 4, &a) || !scaled_args(&a, &n, &alpha, &x, &y, "y")) return NULL;
  Pass p = {.x = x, .out = y, .alpha = alpha};
  run(n, axpy_range, &p);
  return NULL;
}

#define UNARY_KERNEL(name, range)                                                  \
  KERNEL(name) {                                                                   \
    Args a;                                                                        \
    int64_t n;                                                                     \
    float *x, *out;                                                                \
    if (!args_read(env, info, #name, 3, &a) || !arg_size(&a, 0, "n", &n) ||        \
        !arg_floats(&a, 1, "x", n, false, &x) || !arg_floats(&a, 2, "out", n, false, &out)) \
      return NULL;                                                                 \
    Pass p = {.x = x, .out = out};                                                 \
    run(n, range, &p);                                                             \
    return NULL;                                                                   \
  }

#define BACKWARD_KERNEL(name, range)                                               \
  KERNEL(name) {                                                                   \
    Args a;                                                                        \
    int64_t n;                                                                     \
    float *x, *dy, *dx;                                                            \
    if (!args_read(env, info, #name, 4, &a) || !arg_size(&a, 0, "n", &n) ||        \
        !arg_floats(&a, 1, "x", n, false, &x) || !arg_floats(&a, 2, "dy", n, false, &dy) || \
        !arg_floats(&a, 3, "dx", n, false, &dx)) return NULL;                      \
    Pass p = {.x = x, .dy = dy, .out = dx};                                        \
    run(n, range, &p);                                                             \
    return NULL;                                                                   \
  }

static HOT void relu_range(void *ctx, int64_t lo, int64_t hi) {
  const Pass *p = ctx;
  for (int64_t i = lo; i < hi; i++) p->out[i] = p->x[i] > 0 ? p->x[i] : 0.0f;
}

// Skips x <= 0 rather than adding 0 * dy, so an inf/nan gradient there stays out, as in the reference.
static HOT void relu_backward_range(void *ctx, int64_t lo, int64_t hi) {
  const Pass *p = ctx;
  for (int64_t i = lo; i < hi; i++) if (p->x[i] > 0) p->out[i] += p->dy[i];
}

// GELU, tanh approximation (GPT-2): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
// Computed in float, branch-free so the loops vectorise: with u = sqrt(2/pi) (x + 0.044715 x^3)
// and s = sigmoid(2u) = 1 / (1 + exp(-2u)), 0.5 (1 + tanh u) = s and 1 - tanh^2 u = 4 s (1 - s),
// which also avoids tanh's cancellation near 0. exp is fast_expf (fastmath.h). Within ~1e-6
// relative of the double reference.
#define GELU_S 0.7978845608028654f
#define GELU_C 0.044715f

static HOT void gelu_range(void *ctx, int64_t lo, int64_t hi) {
  const Pass *p = ctx;
  const float *x = p->x;
  float *out = p->out;
  for (int64_t i = lo; i < hi; i++) {
    float v = x[i];
    float e = fast_expf(-2.0f * GELU_S * (v + GELU_C * v * v * v));
    out[i] = v / (1.0f + e);
  }
}

static HOT void gelu_backward_range(void *ctx, int64_t lo, int64_t hi) {
  const Pass *p = ctx;
  const float *x = p->x, *dy = p->dy;
  float *dx = p->out;
  for (int64_t i = lo; i < hi; i++) {
    float v = x[i], v2 = v * v;
    float e = fast_expf(-2.0f * GELU_S * (v + GELU_C * v2 * v));
    float s = 1.0f / (1.0f + e);  // 0.5 (1 + tanh u)
    float d = s + 2.0f * v * (e * s * s) * GELU_S * (1.0f + 3.0f * GELU_C * v2);
    dx[i] += dy[i] * d;
  }
}

UNARY_KERNEL(relu, relu_range)
UNARY_KERNEL(gelu, gelu_range)
BACKWARD_KERNEL(reluBackward, relu_backward_range)
BACKWARD_KERNEL(geluBackward, gelu_backward_range)
