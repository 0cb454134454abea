// Storage types of the dense CUDA kernels (float32, bfloat16, float16: float32 math, rounding to
// nearest even on store), 16-byte vector loads and stores of them, and the host-side dispatch from
// a DType to a kernel instantiation. Internal to kernels/cuda/{norm,rotary,activation,...}.cu.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <initializer_list>

#include "common/dtype.h"
#include "common/status.h"

namespace vllmts::cuda::dense {

// The hardware conversions round to nearest even like dtype.h's, and are a single instruction.
struct F32 {
  using Raw = float;
  static __device__ __forceinline__ float load(Raw v) { return v; }
  static __device__ __forceinline__ Raw store(float v) { return v; }
};

struct BF16 {
  using Raw = uint16_t;
  static __device__ __forceinline__ float load(Raw v) { return __uint_as_float(static_cast<uint32_t>(v) << 16); }
  static __device__ __forceinline__ Raw store(float v) { return __bfloat16_as_ushort(__float2bfloat16_rn(v)); }
};

struct F16 {
  using Raw = uint16_t;
  static __device__ __forceinline__ float load(Raw v) { return __half2float(__ushort_as_half(v)); }
  static __device__ __forceinline__ Raw store(float v) { return __half_as_ushort(__float2half_rn(v)); }
};

/// The value `v` has once stored in S (what a reference that keeps intermediates in S sees).
template <class S>
__device__ __forceinline__ float round_to(float v) {
  return S::load(S::store(v));
}

/// Elements of S in one 16-byte access.
template <class S>
constexpr int kVecOf = static_cast<int>(16 / sizeof(typename S::Raw));

/// out[0, N) = p[0, N) as float32. p must be aligned to min(16, N · sizeof(Raw)) bytes.
template <class S, int N>
__device__ __forceinline__ void load_vec(const typename S::Raw* p, float (&out)[N]) {
  using Raw = typename S::Raw;
  constexpr int kBytes = N * static_cast<int>(sizeof(Raw));
  if constexpr (kBytes >= 16) {
    static_assert(kBytes % 16 == 0, "vectors wider than 16 bytes are whole 16-byte pieces");
    union {
      uint4 u[kBytes / 16];
      Raw r[N];
    } b;
#pragma unroll
    for (int i = 0; i < kBytes / 16; ++i) b.u[i] = reinterpret_cast<const uint4*>(p)[i];
#pragma unroll
    for (int i = 0; i < N; ++i) out[i] = S::load(b.r[i]);
  } else if constexpr (kBytes == 8) {
    union {
      uint2 u;
      Raw r[N];
    } b;
    b.u = *reinterpret_cast<const uint2*>(p);
#pragma unroll
    for (int i = 0; i < N; ++i) out[i] = S::load(b.r[i]);
  } else {
#pragma unroll
    for (int i = 0; i < N; ++i) out[i] = S::load(p[i]);
  }
}

/// p[0, N) = v[0, N) rounded to S; alignment as load_vec.
template <class S, int N>
__device__ __forceinline__ void store_vec(typename S::Raw* p, const float (&v)[N]) {
  using Raw = typename S::Raw;
  constexpr int kBytes = N * static_cast<int>(sizeof(Raw));
  if constexpr (kBytes >= 16) {
    static_assert(kBytes % 16 == 0, "vectors wider than 16 bytes are whole 16-byte pieces");
    union {
      uint4 u[kBytes / 16];
      Raw r[N];
    } b;
#pragma unroll
    for (int i = 0; i < N; ++i) b.r[i] = S::store(v[i]);
#pragma unroll
    for (int i = 0; i < kBytes / 16; ++i) reinterpret_cast<uint4*>(p)[i] = b.u[i];
  } else if constexpr (kBytes == 8) {
    union {
      uint2 u;
      Raw r[N];
    } b;
#pragma unroll
    for (int i = 0; i < N; ++i) b.r[i] = S::store(v[i]);
    *reinterpret_cast<uint2*>(p) = b.u;
  } else {
#pragma unroll
    for (int i = 0; i < N; ++i) p[i] = S::store(v[i]);
  }
}

/// Element i of a float32/bfloat16/float16 array whose dtype is known only at run time (small
/// operands such as LayerNorm's weight and bias, read from cache; the branch is warp-uniform).
__device__ __forceinline__ float load_any(const void* p, DType dtype, int64_t i) {
  switch (dtype) {
    case DType::kBFloat16: return BF16::load(static_cast<const uint16_t*>(p)[i]);
    case DType::kFloat16: return F16::load(static_cast<const uint16_t*>(p)[i]);
    default: return static_cast<const float*>(p)[i];
  }
}

/// Host: true when every pointer is 16-byte aligned (null pointers pass), the condition of the
/// vector paths (together with row lengths that are whole vectors).
inline bool aligned16(std::initializer_list<const void*> pointers) {
  for (const void* p : pointers) {
    if ((reinterpret_cast<uintptr_t>(p) & 15u) != 0) return false;
  }
  return true;
}

/// Host: calls fn(S{}) with the storage type of `dtype` (float32, bfloat16, float16).
template <class Fn>
Status with_storage(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::kFloat32: return fn(F32{});
    case DType::kBFloat16: return fn(BF16{});
    case DType::kFloat16: return fn(F16{});
    default: return Status::kUnsupportedDType;
  }
}

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace vllmts::cuda::dense
