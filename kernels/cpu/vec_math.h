// Branch-free float32 exp / tanh / sigmoid that GCC vectorises inside plain loops (libm's scalar
// calls would not be), accurate to a few ulp over the whole float range. Written from the usual
// construction: exp(x) = 2^n · e^r with n = round(x / ln 2), |r| ≤ ln(2)/2, and a degree-6
// polynomial for e^r (Taylor to r^7; the truncation error is below 2^-27 on that range).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace vllmts::cpu {

inline float exp_f32(float x) {
  // Beyond these bounds exp overflows to inf or underflows to 0 (subnormal results are flushed).
  const float hi = 88.72283935546875f;
  const float lo = -87.33654022216797f;
  const bool overflow = x > hi;
  const bool underflow = x < lo;
  const float clamped = x > hi ? hi : (x < lo ? lo : x);
  const float n = std::nearbyint(clamped * 1.44269504088896341f);
  // ln 2 split into a part exact in float and the rest (Cody–Waite), so r is accurate.
  float r = clamped - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  // 2^n by building the exponent field; n ∈ [-126, 128] here, so split it in two factors.
  const int32_t e = static_cast<int32_t>(n);
  const int32_t e1 = e / 2;
  const int32_t e2 = e - e1;
  const uint32_t b1 = static_cast<uint32_t>(e1 + 127) << 23;
  const uint32_t b2 = static_cast<uint32_t>(e2 + 127) << 23;
  float s1, s2;
  std::memcpy(&s1, &b1, 4);
  std::memcpy(&s2, &b2, 4);
  const float result = overflow ? INFINITY : (underflow ? 0.0f : p * s1 * s2);
  return x != x ? x : result;  // NaN stays NaN
}

inline float sigmoid_f32(float x) { return 1.0f / (1.0f + exp_f32(-x)); }

inline float silu_f32(float x) { return x / (1.0f + exp_f32(-x)); }

/// tanh: an odd polynomial near zero (where 1 - 2/(e^2x + 1) would cancel), that formula beyond.
inline float tanh_f32(float x) {
  const float ax = std::fabs(x);
  // Taylor series to x^9: below 0.25 its error is under 2^-25 relative.
  const float x2 = x * x;
  float p = 62.0f / 2835.0f;
  p = p * x2 - 17.0f / 315.0f;
  p = p * x2 + 2.0f / 15.0f;
  p = p * x2 - 1.0f / 3.0f;
  const float small = x + x * x2 * p;
  const float large = 1.0f - 2.0f / (exp_f32(2.0f * ax) + 1.0f);
  const float signed_large = x < 0 ? -large : large;
  return ax < 0.25f ? small : signed_large;
}

}  // namespace vllmts::cpu
