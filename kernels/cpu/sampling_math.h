// Vectorised row reductions and branch-free float32 exp and log for the sampling kernels'
// per-vocabulary loops. glibc's expf and logf do not vectorise without -ffast-math; these do
// (range reduction plus Cephes-style minimax polynomials, within about 2 ulp over the ranges the
// sampler uses).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace vllmts::cpu {

// GCC/Clang vector extensions: reductions the auto-vectoriser leaves scalar (max and sums need
// reassociation, which only -ffast-math would allow) run 16 lanes wide, in a fixed lane order.
using f32x16 = float __attribute__((vector_size(64)));

inline f32x16 load16(const float* p) {
  f32x16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

/// The largest value of a row, NaN ignored; -inf when there is none.
inline float row_max(const float* x, int64_t n) {
  const float neg_inf = -std::numeric_limits<float>::infinity();
  f32x16 acc = f32x16{} + neg_inf;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const f32x16 v = load16(x + i);
    acc = v > acc ? v : acc;
  }
  float m = neg_inf;
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  for (int lane = 0; lane < 16; ++lane) m = acc[lane] > m ? acc[lane] : m;
  return m;
}

/// Sum of x (meant for short chunks; callers add chunk sums in double).
inline float row_sum(const float* x, int64_t n) {
  f32x16 acc = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) acc += load16(x + i);
  float s = 0.0f;
  for (; i < n; ++i) s += x[i];
  for (int lane = 0; lane < 16; ++lane) s += acc[lane];
  return s;
}

/// Sum of value[i] over the i with key[i] < limit.
inline float row_sum_where_below(const float* value, const float* key, int64_t n, float limit) {
  f32x16 acc = {};
  const f32x16 zero = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) acc += load16(key + i) < limit ? load16(value + i) : zero;
  float s = 0.0f;
  for (; i < n; ++i) s += key[i] < limit ? value[i] : 0.0f;
  for (int lane = 0; lane < 16; ++lane) s += acc[lane];
  return s;
}

/// Number of i with key[i] < limit (n < 2^31; counted in 32-bit lanes).
inline int64_t row_count_below(const float* key, int64_t n, float limit) {
  int32_t count = 0;
  for (int32_t i = 0; i < static_cast<int32_t>(n); ++i) count += key[i] < limit ? 1 : 0;
  return count;
}

/// exp(x); 0 for x below -87.3 (including -inf), NaN for NaN.
inline float exp_approx(float x) {
  const float clamped = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  // Round to nearest by adding and removing 1.5 · 2^23 (floorf would block vectorisation).
  const float n = (clamped * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = clamped - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float y = p * r * r + r + 1.0f;
  const float scale = std::bit_cast<float>(static_cast<uint32_t>(static_cast<int32_t>(n) + 127) << 23);
  const float result = y * scale;
  return x < -87.3f ? 0.0f : (x != x ? x : result);
}

/// Natural log of a positive normal float (the sampler only takes logs of uniforms in (0, 1)).
inline float log_approx(float x) {
  const uint32_t bits = std::bit_cast<uint32_t>(x);
  float e = static_cast<float>(static_cast<int32_t>((bits >> 23) & 0xffu) - 126);
  const float m = std::bit_cast<float>((bits & 0x807fffffu) | 0x3f000000u);  // m in [0.5, 1)
  const bool small = m < 0.707106781186547524f;
  e = small ? e - 1.0f : e;
  const float t = small ? m + m - 1.0f : m - 1.0f;
  const float z = t * t;
  float p = 7.0376836292e-2f;
  p = p * t - 1.1514610310e-1f;
  p = p * t + 1.1676998740e-1f;
  p = p * t - 1.2420140846e-1f;
  p = p * t + 1.4249322787e-1f;
  p = p * t - 1.6668057665e-1f;
  p = p * t + 2.0000714765e-1f;
  p = p * t - 2.4999993993e-1f;
  p = p * t + 3.3333331174e-1f;
  float y = p * t * z;
  y += e * -2.12194440e-4f;
  y += -0.5f * z;
  return t + y + e * 0.693359375f;
}

}  // namespace vllmts::cpu
