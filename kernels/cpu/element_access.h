// Reading and writing one element of any dtype as float or int64: the slow, general path that
// elementwise kernels fall back to for uncommon type pairs.
#pragma once

#include <cmath>
#include <cstdint>

#include "common/dtype.h"

namespace vllmts::cpu {

inline double load_as_double(const void* base, DType dtype, int64_t i) {
  switch (dtype) {
    case DType::kFloat32: return static_cast<const float*>(base)[i];
    case DType::kFloat16: return f16_to_f32(static_cast<const uint16_t*>(base)[i]);
    case DType::kBFloat16: return bf16_to_f32(static_cast<const uint16_t*>(base)[i]);
    case DType::kInt32: return static_cast<const int32_t*>(base)[i];
    case DType::kInt64: return static_cast<double>(static_cast<const int64_t*>(base)[i]);
    case DType::kUInt8: return static_cast<const uint8_t*>(base)[i];
    case DType::kFloat8E4M3: return fp8e4m3_to_f32(static_cast<const uint8_t*>(base)[i]);
  }
  return 0.0;
}

inline void store_from_double(void* base, DType dtype, int64_t i, double value) {
  switch (dtype) {
    case DType::kFloat32: static_cast<float*>(base)[i] = static_cast<float>(value); return;
    case DType::kFloat16: static_cast<uint16_t*>(base)[i] = f32_to_f16(static_cast<float>(value)); return;
    case DType::kBFloat16: static_cast<uint16_t*>(base)[i] = f32_to_bf16(static_cast<float>(value)); return;
    case DType::kInt32: static_cast<int32_t*>(base)[i] = static_cast<int32_t>(std::trunc(value)); return;
    case DType::kInt64: static_cast<int64_t*>(base)[i] = static_cast<int64_t>(std::trunc(value)); return;
    case DType::kUInt8: static_cast<uint8_t*>(base)[i] = static_cast<uint8_t>(std::trunc(value)); return;
    case DType::kFloat8E4M3:
      static_cast<uint8_t*>(base)[i] = f32_to_fp8e4m3(static_cast<float>(value));
      return;
  }
}

}  // namespace vllmts::cpu
