// Fused in-place optimizer steps (reference: kernels/optim.ts).
//   param, grad, m, m1, m2, v: [n], updated in place (grad is only read)
// The caller passes bias corrections 1 - beta^t, so there is no pow per element. Arithmetic is in
// double, rounded once on store, as the JS reference, so the two agree to float32 rounding.
#include <math.h>

#include "args.h"
#include "kernels.h"
#include "parallel.h"

#define MIN_GRAIN 16384

typedef struct {
  double lr, beta1, beta2, eps, weightDecay, biasCorrection1, biasCorrection2, beta3, alpha;
} Step;

typedef struct {
  Step s;
  float *param, *m1, *m2, *v;
  const float *grad;
} Update;

static bool step_args(Args *a, size_t index, bool ademamix, Step *s) {
  if (!arg_field(a, index, "lr", &s->lr) || !arg_field(a, index, "beta1", &s->beta1) ||
      !arg_field(a, index, "beta2", &s->beta2) || !arg_field(a, index, "eps", &s->eps) ||
      !arg_field(a, index, "weightDecay", &s->weightDecay) ||
      !arg_field(a, index, "biasCorrection1", &s->biasCorrection1) ||
      !arg_field(a, index, "biasCorrection2", &s->biasCorrection2)) return false;
  if (!ademamix) return true;
  return arg_field(a, index, "beta3", &s->beta3) && arg_field(a, index, "alpha", &s->alpha);
}

static HOT void adamw_range(void *ctx, int64_t lo, int64_t hi) {
  const Update *u = ctx;
  const Step s = u->s;
  float *param = u->param, *m = u->m1, *v = u->v;
  const float *grad = u->grad;
  for (int64_t i = lo; i < hi; i++) {
    double g = grad[i];
    double mi = s.beta1 * m[i] + (1 - s.beta1) * g;
    double vi = s.beta2 * v[i] + (1 - s.beta2) * g * g;
    m[i] = (float)mi;
    v[i] = (float)vi;
    double update = mi / s.biasCorrection1 / (sqrt(vi / s.biasCorrection2) + s.eps);
    param[i] = (float)(param[i] - s.lr * (update + s.weightDecay * param[i]));
  }
}

static HOT void ademamix_range(void *ctx, int64_t lo, int64_t hi) {
  const Update *u = ctx;
  const Step s = u->s;
  float *param = u->param, *m1 = u->m1, *m2 = u->m2, *v = u->v;
  const float *grad = u->grad;
  for (int64_t i = lo; i < hi; i++) {
    double g = grad[i];
    double fast = s.beta1 * m1[i] + (1 - s.beta1) * g;
    double slow = s.beta3 * m2[i] + (1 - s.beta3) * g;
    double vi = s.beta2 * v[i] + (1 - s.beta2) * g * g;
    m1[i] = (float)fast;
    m2[i] = (float)slow;
    v[i] = (float)vi;
    double update = (fast / s.biasCorrection1 + s.alpha * slow) / (sqrt(vi / s.biasCorrection2) + s.eps);
    param[i] = (float)(param[i] - s.lr * (update + s.weightDecay * param[i]));
  }
}

// m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  theta -= lr (m/bc1 / (sqrt(v/bc2) + eps) + wd theta)
KERNEL(adamw) {
  Args a;
  int64_t n;
  float *param, *grad, *m, *v;
  Step s;
  if (!args_read(env, info, "adamw", 6, &a) || !arg_size(&a, 0, "n", &n) ||
      !arg_floats(&a, 1, "param", n, false, &param) || !arg_floats(&a, 2, "grad", n, false, &grad) ||
      !arg_floats(&a, 3, "m", n, false, &m) || !arg_floats(&a, 4, "v", n, false, &v) ||
      !step_args(&a, 5, false, &s)) return NULL;
  Update u = {s, param, m, NULL, v, grad};
  parallel_for(n, parallel_grain(n, 1, MIN_GRAIN), adamw_range, &u);
  return NULL;
}

// As adamw plus a slow EMA m2 (no bias correction, as the AdEMAMix paper):
// theta -= lr ((m1/bc1 + alpha m2) / (sqrt(v/bc2) + eps) + wd theta)
KERNEL(ademamix) {
  Args a;
  int64_t n;
  float *param, *grad, *m1, *m2, *v;
  Step s;
  if (!args_read(env, info, "ademamix", 7, &a) || !arg_size(&a, 0, "n", &n) ||
      !arg_floats(&a, 1, "param", n, false, &param) || !arg_floats(&a, 2, "grad", n, false, &grad) ||
      !arg_floats(&a, 3, "m1", n, false, &m1) || !arg_floats(&a, 4, "m2", n, false, &m2) ||
      !arg_floats(&a, 5, "v", n, false, &v) || !step_args(&a, 6, true, &s)) return NULL;
  Update u = {s, param, m1, m2, v, grad};
  parallel_for(n, parallel_grain(n, 1, MIN_GRAIN), ademamix_range, &u);
  return NULL;
}
