// Converting runs of float32 / bfloat16 / float16 storage to and from float32 working buffers:
// every dense CPU kernel loads its operands through these, computes in float32, and stores back.
// The loops are written so the compiler vectorises them (bf16 is bit shifting; f16 uses the
// F16C instructions when the build targets them; their 512-bit forms trip a GCC 12
// uninitialised-value warning and gain nothing on conversion-bound loops); results are bit-identical to dtype.h's scalar
// conversions.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "common/dtype.h"

#if defined(__F16C__)
#include <immintrin.h>
#endif

namespace vllmts::cpu {

/// True for the storage types the dense kernels accept: float32, bfloat16, float16.
inline bool is_dense_float(DType dtype) {
  return dtype == DType::kFloat32 || dtype == DType::kBFloat16 || dtype == DType::kFloat16;
}

inline void bf16_row_to_f32(const uint16_t* src, int64_t n, float* dst) {
  auto* bits = reinterpret_cast<uint32_t*>(dst);
  for (int64_t i = 0; i < n; ++i) bits[i] = static_cast<uint32_t>(src[i]) << 16;
}

inline void f32_row_to_bf16(const float* src, int64_t n, uint16_t* dst) {
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, src + i, 4);
    const uint32_t rounded = (bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16;
    const uint32_t quiet_nan = (bits >> 16) | 0x40u;
    dst[i] = static_cast<uint16_t>((bits & 0x7fffffffu) > 0x7f800000u ? quiet_nan : rounded);
  }
}

inline void f16_row_to_f32(const uint16_t* src, int64_t n, float* dst) {
  int64_t i = 0;
#if defined(__F16C__)
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i))));
  }
#endif
  for (; i < n; ++i) dst[i] = f16_to_f32(src[i]);
}

inline void f32_row_to_f16(const float* src, int64_t n, uint16_t* dst) {
  int64_t i = 0;
#if defined(__F16C__)
  for (; i + 8 <= n; i += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i),
                     _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
#endif
  for (; i < n; ++i) dst[i] = f32_to_f16(src[i]);
}

/// dst[0, n) = src[0, n) for float32 rows, in 64-byte vector moves: libc's memmove picks
/// `rep movsb` for rows this size, which measured 2-3× slower here. Forward order, so dst may
/// equal src.
inline void copy_f32(const float* src, int64_t n, float* dst) {
  typedef float v16 __attribute__((vector_size(64)));
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    v16 v;
    std::memcpy(&v, src + i, sizeof(v));
    std::memcpy(dst + i, &v, sizeof(v));
  }
  for (; i < n; ++i) dst[i] = src[i];
}

/// dst[0, n) = elements [offset, offset + n) of `src` (a float32/bf16/f16 array) as float32.
inline void load_f32(const void* src, DType dtype, int64_t offset, int64_t n, float* dst) {
  switch (dtype) {
    case DType::kFloat32: copy_f32(static_cast<const float*>(src) + offset, n, dst); return;
    case DType::kBFloat16: bf16_row_to_f32(static_cast<const uint16_t*>(src) + offset, n, dst); return;
    case DType::kFloat16: f16_row_to_f32(static_cast<const uint16_t*>(src) + offset, n, dst); return;
    default: return;
  }
}

/// Elements [offset, offset + n) of `dst` (float32/bf16/f16) = src[0, n), rounded to nearest even.
inline void store_f32(const float* src, int64_t n, void* dst, DType dtype, int64_t offset) {
  switch (dtype) {
    case DType::kFloat32: copy_f32(src, n, static_cast<float*>(dst) + offset); return;
    case DType::kBFloat16: f32_row_to_bf16(src, n, static_cast<uint16_t*>(dst) + offset); return;
    case DType::kFloat16: f32_row_to_f16(src, n, static_cast<uint16_t*>(dst) + offset); return;
    default: return;
  }
}

/// Rounds buf[0, n) to `dtype` and back (a no-op for float32): the value an intermediate result
/// has when a reference implementation stores it in the model's dtype between two operations.
inline void round_through(DType dtype, float* buf, int64_t n) {
  if (dtype == DType::kFloat32) return;
  uint16_t staged[256];
  for (int64_t i = 0; i < n; i += 256) {
    const int64_t len = n - i < 256 ? n - i : 256;
    store_f32(buf + i, len, staged, dtype, 0);
    load_f32(staged, dtype, 0, len, buf + i);
  }
}

/// A per-thread buffer of at least n elements, kept between calls: rows of a 128K vocabulary would
/// otherwise be fresh, page-faulting allocations on every op. `slot` tells a kernel's buffers apart.
template <typename T, int Slot>
T* thread_scratch(int64_t n) {
  thread_local std::vector<T> buffer;
  if (buffer.size() < static_cast<size_t>(n)) buffer.resize(static_cast<size_t>(n));
  return buffer.data();
}

/// One element of a float32/bf16/f16 array as float32.
inline float load_one(const void* src, DType dtype, int64_t i) {
  switch (dtype) {
    case DType::kFloat32: return static_cast<const float*>(src)[i];
    case DType::kBFloat16: return bf16_to_f32(static_cast<const uint16_t*>(src)[i]);
    case DType::kFloat16: return f16_to_f32(static_cast<const uint16_t*>(src)[i]);
    default: return 0.0f;
  }
}

}  // namespace vllmts::cpu
