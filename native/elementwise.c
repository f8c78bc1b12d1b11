// Elementwise kernels (reference: kernels/elementwise.ts).
//   x, y, out, dx, dy: [n];  b: [bn], n % bn == 0, broadcast as b[i % bn].
// Arithmetic is in double and rounded once on store, as the JS reference does, so results agree
// to the last bit, except GELU, which is float arithmetic (see there). Backward kernels accumulate (dx += ...).
#include <math.h>

#include "args.h"
#include "fastmath.h"
#include "kernels.h"

// Reads (n, a, b, bn, ...) and checks that bn divides n.
static bool broadcast_args(Args *a, int64_t *n, float **x, float **b, int64_t *bn) {
  if (!arg_size(a, 0, "n", n) || !arg_floats(a, 1, "a", *n, false, x) || !arg_size(a, 3, "bn", bn)) return false;
  if (*bn == 0 ? *n != 0 : *n % *bn != 0) return args_fail(a, "bn (%lld) must divide n (%lld)", (long long)*bn, (long long)*n);
  return arg_floats(a, 2, "b", *bn, false, b);
}

#define BROADCAST_OP(name, expr)                                                   \
  KERNEL(name) {                                                                   \
    Args a;                                                                        \
    int64_t n, bn;                                                                 \
    float *x, *b, *out;                                                            \
    if (!args_read(env, info, #name, 5, &a) || !broadcast_args(&a, &n, &x, &b, &bn) || \
        !arg_floats(&a, 4, "out", n, false, &out)) return NULL;                    \
    for (int64_t i0 = 0; i0 < n; i0 += bn)                                         \
      for (int64_t j = 0; j < bn; j++) {                                           \
        double u = x[i0 + j], w = b[j];                                            \
        out[i0 + j] = (float)(expr);                                               \
      }                                                                            \
    return NULL;                                                                   \
  }

BROADCAST_OP(add, u + w)
BROADCAST_OP(sub, u - w)
BROADCAST_OP(mul, u * w)

// da += dy * b[i % bn];  db[i % bn] += dy * a; null skips a gradient.
KERNEL(mulBackward) {
  Args a;
  int64_t n, bn;
  float *x, *b, *dy, *da, *db;
  if (!args_read(env, info, "mulBackward", 7, &a) || !broadcast_args(&a, &n, &x, &b, &bn) ||
      !arg_floats(&a, 4, "dy", n, false, &dy) || !arg_floats(&a, 5, "da", n, true, &da) ||
      !arg_floats(&a, 6, "db", bn, true, &db)) return NULL;
  for (int64_t i0 = 0; i0 < n; i0 += bn)
    for (int64_t j = 0; j < bn; j++) {
      double g = dy[i0 + j];
      if (da) da[i0 + j] = (float)(da[i0 + j] + g * b[j]);
      if (db) db[j] = (float)(db[j] + g * x[i0 + j]);
    }
  return NULL;
}

// Reads (n, alpha, x, out) for scale and axpy; out may be x.
static bool scaled_args(Args *a, int64_t *n, double *alpha, float **x, float **out, const char *out_name) {
  return arg_size(a, 0, "n", n) && arg_number(a, 1, "alpha", alpha) &&
         arg_floats(a, 2, "x", *n, false, x) && arg_floats(a, 3, out_name, *n, false, out);
}

KERNEL(scale) {
  Args a;
  int64_t n;
  double alpha;
  float *x, *out;
  if (!args_read(env, info, "scale", 4, &a) || !scaled_args(&a, &n, &alpha, &x, &out, "out")) return NULL;
  for (int64_t i = 0; i < n; i++) out[i] = (float)(alpha * x[i]);
  return NULL;
}

// y += alpha x
KERNEL(axpy) {
  Args a;
  int64_t n;
  double alpha;
  float *x, *y;
  if (!args_read(env, info, "axpy", 4, &a) || !scaled_args(&a, &n, &alpha, &x, &y, "y")) return NULL;
  for (int64_t i = 0; i < n; i++) y[i] = (float)(y[i] + alpha * x[i]);
  return NULL;
}

#define UNARY_OP(name, expr)                                                       \
  KERNEL(name) {                                                                   \
    Args a;                                                                        \
    int64_t n;                                                                     \
    float *x, *out;                                                                \
    if (!args_read(env, info, #name, 3, &a) || !arg_size(&a, 0, "n", &n) ||        \
        !arg_floats(&a, 1, "x", n, false, &x) || !arg_floats(&a, 2, "out", n, false, &out)) \
      return NULL;                                                                 \
    for (int64_t i = 0; i < n; i++) {                                              \
      double v = x[i];                                                             \
      out[i] = (float)(expr);                                                      \
    }                                                                              \
    return NULL;                                                                   \
  }

// GELU, tanh approximation (GPT-2): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
// Computed in float, branch-free so the loops vectorise: with u = sqrt(2/pi) (x + 0.044715 x^3)
// and s = sigmoid(2u) = 1 / (1 + exp(-2u)), 0.5 (1 + tanh u) = s and 1 - tanh^2 u = 4 s (1 - s),
// which also avoids tanh's cancellation near 0. exp is fast_expf (fastmath.h). Within ~1e-6 relative of the double reference.
#define GELU_S 0.7978845608028654f
#define GELU_C 0.044715f

UNARY_OP(relu, v > 0 ? v : 0)

KERNEL(gelu) {
  Args a;
  int64_t n;
  float *x, *out;
  if (!args_read(env, info, "gelu", 3, &a) || !arg_size(&a, 0, "n", &n) ||
      !arg_floats(&a, 1, "x", n, false, &x) || !arg_floats(&a, 2, "out", n, false, &out)) return NULL;
  for (int64_t i = 0; i < n; i++) {
    float v = x[i];
    float e = fast_expf(-2.0f * GELU_S * (v + GELU_C * v * v * v));
    out[i] = v / (1.0f + e);
  }
  return NULL;
}

KERNEL(geluBackward) {
  Args a;
  int64_t n;
  float *x, *dy, *dx;
  if (!args_read(env, info, "geluBackward", 4, &a) || !arg_size(&a, 0, "n", &n) ||
      !arg_floats(&a, 1, "x", n, false, &x) || !arg_floats(&a, 2, "dy", n, false, &dy) ||
      !arg_floats(&a, 3, "dx", n, false, &dx)) return NULL;
  for (int64_t i = 0; i < n; i++) {
    float v = x[i], v2 = v * v;
    float e = fast_expf(-2.0f * GELU_S * (v + GELU_C * v2 * v));
    float s = 1.0f / (1.0f + e);  // 0.5 (1 + tanh u)
    float d = s + 2.0f * v * (e * s * s) * GELU_S * (1.0f + 3.0f * GELU_C * v2);
    dx[i] += dy[i] * d;
  }
  return NULL;
}

// Skips x <= 0 rather than adding 0 * dy, so an inf/nan gradient there stays out, as in the reference.
KERNEL(reluBackward) {
  Args a;
  int64_t n;
  float *x, *dy, *dx;
  if (!args_read(env, info, "reluBackward", 4, &a) || !arg_size(&a, 0, "n", &n) ||
      !arg_floats(&a, 1, "x", n, false, &x) || !arg_floats(&a, 2, "dy", n, false, &dy) ||
      !arg_floats(&a, 3, "dx", n, false, &dx)) return NULL;
  for (int64_t i = 0; i < n; i++) if (x[i] > 0) dx[i] += dy[i];
  return NULL;
}
