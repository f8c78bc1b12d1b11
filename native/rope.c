// Rotary position embedding, forward and backward (reference: src/tensor/kernels/rope.ts),
// half-split convention: dimension c pairs with c + D/2.
//   x [B, T, H, D], positions [B, T] (null: t) -> out [B, T, H, D]; backward rotates by -angle
//   and ADDS into dx. cos, sin: the tables [maxPositions, D/2] (Float64Array, from ropeTables).
// The arithmetic is double, rounded on store, as the reference.
#include "args.h"
#include "kernels.h"
#include "parallel.h"

typedef struct {
  const float *x;
  float *out;
  const double *cos, *sin;
  const int32_t *positions;
  int64_t T, H, D;
  double sign;
  bool accumulate;
} Rope;

static HOT void rotate_tokens(void *ctx, int64_t lo, int64_t hi) {
  const Rope *r = ctx;
  const int64_t H = r->H, D = r->D, half = D / 2;
  for (int64_t bt = lo; bt < hi; bt++) {
    const int64_t p = r->positions ? r->positions[bt] : bt % r->T;
    const double *cos = r->cos + p * half, *sin = r->sin + p * half;
    for (int64_t h = 0; h < H; h++) {
      const float *x = r->x + (bt * H + h) * D;
      float *out = r->out + (bt * H + h) * D;
      for (int64_t c = 0; c < half; c++) {
        const double s = r->sign * sin[c], x1 = x[c], x2 = x[c + half];
        const double y1 = x1 * cos[c] - x2 * s, y2 = x2 * cos[c] + x1 * s;
        if (r->accumulate) {
          out[c] = (float)(out[c] + y1);
          out[c + half] = (float)(out[c + half] + y2);
        } else {
          out[c] = (float)y1;
          out[c + half] = (float)y2;
        }
      }
    }
  }
}

// (out, x, cos, sin, maxPositions, D, B, T, H, positions | null); backward: (dx, dout, ...)
static napi_value rope(napi_env env, napi_callback_info info, const char *kernel, bool backward) {
  Args a;
  int64_t max_positions, D, B, T, H;
  Rope r = {0};
  if (!args_read(env, info, kernel, 10, &a) || !arg_size(&a, 4, "maxPositions", &max_positions) ||
      !arg_size(&a, 5, "D", &D) || !arg_size(&a, 6, "B", &B) || !arg_size(&a, 7, "T", &T) || !arg_size(&a, 8, "H", &H))
    return NULL;
  if (D < 2 || D % 2 != 0) {
    args_fail(&a, "D must be a positive even integer, got %lld", (long long)D);
    return NULL;
  }
  const int64_t n = B * T * H * D;
  if (!arg_floats(&a, 0, backward ? "dx" : "out", n, false, &r.out) ||
      !arg_floats(&a, 1, backward ? "dout" : "x", n, false, (float **)&r.x) ||
      !arg_doubles(&a, 2, "cos", max_positions * D / 2, (double **)&r.cos) ||
      !arg_doubles(&a, 3, "sin", max_positions * D / 2, (double **)&r.sin) ||
      !arg_ids_nullable(&a, 9, "positions", B * T, (int32_t **)&r.positions)) return NULL;
  if (backward && r.out == r.x) {
    args_fail(&a, "cannot accumulate in place (dx and dout are one buffer)");
    return NULL;
  }
  for (int64_t bt = 0; bt < B * T; bt++) {
    const int64_t p = r.positions ? r.positions[bt] : bt % T;
    if (p < 0 || p >= max_positions) {
      args_fail(&a, "position %lld at token %lld is outside the tables (maxPositions %lld)", (long long)p,
                (long long)bt, (long long)max_positions);
      return NULL;
    }
  }
  r.T = T, r.H = H, r.D = D, r.sign = backward ? -1 : 1, r.accumulate = backward;
  parallel_for(B * T, parallel_grain(B * T, 4, 8), rotate_tokens, &r);
  return NULL;
}

KERNEL(ropeForward) { return rope(env, info, "ropeForward", false); }
KERNEL(ropeBackward) { return rope(env, info, "ropeBackward", true); }
