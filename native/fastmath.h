// Branch-free float math for loops the compiler should vectorise.
#ifndef APERTUS_FASTMATH_H
#define APERTUS_FASTMATH_H

#include <math.h>
#include <stdint.h>

// exp(x) in float, ~1 ulp (Cephes' polynomial). The argument is clamped to [-87, 87], so the
// result never overflows (exp(-87) ~ 1.6e-38, exp(87) ~ 6e37) and no branch is needed.
static inline float fast_expf(float x) {
  // Comparisons, not fminf/fmaxf, whose NaN rules keep GCC from vectorising.
  x = x < -87.0f ? -87.0f : x;
  x = x > 87.0f ? 87.0f : x;
  // n = round(x / ln 2) by the 1.5 * 2^23 trick; r = x - n ln 2 in two parts.
  float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - n * 0.693359375f - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  union { int32_t i; float f; } scale = {.i = ((int32_t)n + 127) << 23};
  return p * scale.f;
}

#endif
