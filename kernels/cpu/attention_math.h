// Small helpers of the CPU attention kernels: vectorisable exp and tanh, and row conversions
// between storage dtypes and float32. Internal to kernels/cpu/attention*.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

#include "common/dtype.h"

namespace vllmts::cpu::attention_detail {

/// e^x to about 2 ulp, in plain float arithmetic so loops over it vectorise (std::exp does not).
/// Range reduction x = n·ln2 + r with |r| ≤ ln2/2, a degree-7 Taylor polynomial for e^r (error
/// below 6e-9), and 2^n built in the exponent bits. Returns 0 below −87 (e^−87 ≈ 1.6e−38, far
/// under any softmax term that matters) and for −inf.
inline float exp_approx(float x) {
  const float clamped = std::min(std::max(x, -87.0f), 88.0f);
  const float t = clamped * 1.44269504088896341f;
  const float n = (t + 12582912.0f) - 12582912.0f;  // round to nearest via the 1.5·2^23 trick
  const float r = (clamped - n * 0.693145751953125f) - n * 1.428606765330187e-06f;
  float p = 1.0f / 5040.0f;
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const auto exponent = static_cast<uint32_t>(static_cast<int32_t>(n) + 127) << 23;
  const float result = p * std::bit_cast<float>(exponent);
  return x < -87.0f ? 0.0f : result;
}

/// tanh(x) to a few ulp, vectorisable: an odd Taylor polynomial below |x| = 0.25 (error < 1e-8
/// relative), 1 − 2/(e^2|x| + 1) above it, where that form loses no precision.
inline float tanh_approx(float x) {
  const float a = std::fabs(x);
  const float e = exp_approx(std::min(2.0f * a, 88.0f));
  const float large = 1.0f - 2.0f / (e + 1.0f);
  const float a2 = a * a;
  float p = 62.0f / 2835.0f;
  p = p * a2 - 17.0f / 315.0f;
  p = p * a2 + 2.0f / 15.0f;
  p = p * a2 - 1.0f / 3.0f;
  const float small = a + a * a2 * p;
  return std::copysign(a < 0.25f ? small : large, x);
}

/// dst[i] = src[offset + i] · mul as float32.
inline void load_row(const void* src, DType dtype, int64_t offset, int64_t n, float mul, float* dst) {
  switch (dtype) {
    case DType::kFloat32: {
      const float* s = static_cast<const float*>(src) + offset;
      for (int64_t i = 0; i < n; ++i) dst[i] = s[i] * mul;
      return;
    }
    case DType::kBFloat16: {
      const uint16_t* s = static_cast<const uint16_t*>(src) + offset;
      for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(s[i]) * mul;
      return;
    }
    case DType::kFloat16: {
      const uint16_t* s = static_cast<const uint16_t*>(src) + offset;
      for (int64_t i = 0; i < n; ++i) dst[i] = f16_to_f32(s[i]) * mul;
      return;
    }
    default:
      return;
  }
}

/// dst[offset + i] = src[i] · mul, rounded to `dtype`.
inline void store_row(const float* src, float mul, void* dst, DType dtype, int64_t offset, int64_t n) {
  switch (dtype) {
    case DType::kFloat32: {
      float* d = static_cast<float*>(dst) + offset;
      for (int64_t i = 0; i < n; ++i) d[i] = src[i] * mul;
      return;
    }
    case DType::kBFloat16: {
      uint16_t* d = static_cast<uint16_t*>(dst) + offset;
      for (int64_t i = 0; i < n; ++i) d[i] = f32_to_bf16(src[i] * mul);
      return;
    }
    case DType::kFloat16: {
      uint16_t* d = static_cast<uint16_t*>(dst) + offset;
      for (int64_t i = 0; i < n; ++i) d[i] = f32_to_f16(src[i] * mul);
      return;
    }
    default:
      return;
  }
}

}  // namespace vllmts::cpu::attention_detail

