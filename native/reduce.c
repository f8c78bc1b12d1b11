// Reductions (reference: kernels/reduce.ts). x: [n]; out: [bn], n % bn == 0.
// Sums accumulate in double, in the reference's order, so they agree with it exactly.
#include "args.h"
#include "kernels.h"

static napi_value number(napi_env env, double value) {
  napi_value out;
  napi_create_double(env, value, &out);
  return out;
}

KERNEL(sum) {
  Args a;
  int64_t n;
  float *x;
  if (!args_read(env, info, "sum", 2, &a) || !arg_size(&a, 0, "n", &n) || !arg_floats(&a, 1, "x", n, false, &x)) return NULL;
  double s = 0;
  for (int64_t i = 0; i < n; i++) s += x[i];
  return number(env, s);
}

KERNEL(sumSquares) {
  Args a;
  int64_t n;
  float *x;
  if (!args_read(env, info, "sumSquares", 2, &a) || !arg_size(&a, 0, "n", &n) || !arg_floats(&a, 1, "x", n, false, &x)) return NULL;
  double s = 0;
  for (int64_t i = 0; i < n; i++) s += (double)x[i] * x[i];
  return number(env, s);
}

// out[j] += alpha sum_{i % bn == j} x[i]: backward of a broadcast trailing vector.
KERNEL(sumToTrailing) {
  Args a;
  int64_t n, bn;
  double alpha;
  float *x, *out;
  if (!args_read(env, info, "sumToTrailing", 5, &a) || !arg_size(&a, 0, "n", &n) || !arg_size(&a, 1, "bn", &bn) ||
      !arg_number(&a, 2, "alpha", &alpha) || !arg_floats(&a, 3, "x", n, false, &x) ||
      !arg_floats(&a, 4, "out", bn, false, &out)) return NULL;
  if (bn == 0 ? n != 0 : n % bn != 0) {
    args_fail(&a, "bn (%lld) must divide n (%lld)", (long long)bn, (long long)n);
    return NULL;
  }
  for (int64_t i = 0; i < n; i += bn)
    for (int64_t j = 0; j < bn; j++) out[j] = (float)(out[j] + alpha * x[i + j]);
  return NULL;
}
