// reshape_and_cache: each block copies a few tokens' key and value rows into their slots.
// Rows of one dtype move as 16-byte vectors when the row and the pointers allow it (a head row is
// head_size elements, usually a multiple of 8); conversions (float32 into a 16-bit cache) and odd
// shapes take the element loop.
#include "cuda/kv_cache.cuh"
#include "cuda/launch.cuh"

namespace vllmts::cuda {
namespace {

constexpr int kThreads = 128;

__device__ __forceinline__ float load_float(const void* base, DType dtype, int64_t i) {
  switch (dtype) {
    case DType::kBFloat16: return bf16_to_f32(static_cast<const uint16_t*>(base)[i]);
    case DType::kFloat16: return f16_to_f32(static_cast<const uint16_t*>(base)[i]);
    default: return static_cast<const float*>(base)[i];
  }
}

__device__ __forceinline__ void store_float(void* base, DType dtype, int64_t i, float v) {
  switch (dtype) {
    case DType::kBFloat16: static_cast<uint16_t*>(base)[i] = f32_to_bf16(v); return;
    case DType::kFloat16: static_cast<uint16_t*>(base)[i] = f32_to_f16(v); return;
    default: static_cast<float*>(base)[i] = v; return;
  }
}

// Each block writes kTokens tokens; for each of its row pieces a thread loads every token's key
// and value first and stores after, so several loads are in flight per thread.
constexpr int kTokens = 4;

// kVector: same dtype, row bytes and pointers 16-byte aligned: copy uint4s.
template <bool kVector>
__global__ void __launch_bounds__(kThreads)
    reshape_and_cache_kernel(void* cache, DType cache_dtype, int64_t num_slots, int64_t block_size, int64_t row,
                             const void* k, const void* v, DType kv_dtype, int64_t num_tokens,
                             const int32_t* slot_mapping) {
  int64_t token[kTokens], key_at[kTokens];
  bool write[kTokens];
#pragma unroll
  for (int u = 0; u < kTokens; ++u) {
    token[u] = int64_t{blockIdx.x} * kTokens + u;
    const int64_t slot = token[u] < num_tokens ? slot_mapping[token[u]] : -1;
    write[u] = slot >= 0 && slot < num_slots;  // −1 is padding; anything else out of range is skipped
    const int64_t block = write[u] ? slot / block_size : 0;
    key_at[u] = ((block * 2) * block_size + (write[u] ? slot - block * block_size : 0)) * row;
  }
  const int64_t value_delta = block_size * row;  // values follow keys in a block
  if constexpr (kVector) {
    const int64_t in_row = row * dtype_size(kv_dtype);
    const int64_t vectors = in_row / 16;
    const auto* keys = static_cast<const char*>(k);
    const auto* values = static_cast<const char*>(v);
    auto* out = static_cast<char*>(cache);
    for (int64_t i = threadIdx.x; i < vectors; i += kThreads) {
      uint4 key[kTokens], value[kTokens];
#pragma unroll
      for (int u = 0; u < kTokens; ++u) {
        if (!write[u]) continue;
        key[u] = reinterpret_cast<const uint4*>(keys + token[u] * in_row)[i];
        value[u] = reinterpret_cast<const uint4*>(values + token[u] * in_row)[i];
      }
#pragma unroll
      for (int u = 0; u < kTokens; ++u) {
        if (!write[u]) continue;
        reinterpret_cast<uint4*>(out + key_at[u] * dtype_size(cache_dtype))[i] = key[u];
        reinterpret_cast<uint4*>(out + (key_at[u] + value_delta) * dtype_size(cache_dtype))[i] = value[u];
      }
    }
  } else {
#pragma unroll
    for (int u = 0; u < kTokens; ++u) {
      if (!write[u]) continue;
      for (int64_t i = threadIdx.x; i < row; i += kThreads) {
        store_float(cache, cache_dtype, key_at[u] + i, load_float(k, kv_dtype, token[u] * row + i));
        store_float(cache, cache_dtype, key_at[u] + value_delta + i, load_float(v, kv_dtype, token[u] * row + i));
      }
    }
  }
}

bool float_storage(DType dtype) {
  return dtype == DType::kFloat32 || dtype == DType::kBFloat16 || dtype == DType::kFloat16;
}

bool aligned16(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

}  // namespace

Status reshape_and_cache(void* cache, DType cache_dtype, const KVCacheGeometry& geometry, const void* k,
                         const void* v, DType kv_dtype, int64_t num_tokens, const int32_t* slot_mapping,
                         cudaStream_t stream) {
  if (!float_storage(cache_dtype) || !float_storage(kv_dtype)) return Status::kUnsupportedDType;
  if (geometry.block_size <= 0 || num_tokens < 0 || num_tokens >= (int64_t{1} << 31)) return Status::kInvalidArgument;
  if (num_tokens == 0) return Status::kOk;
  const int64_t row = geometry.num_kv_heads * geometry.head_size;
  const int64_t num_slots = geometry.num_blocks * geometry.block_size;
  const bool vector = cache_dtype == kv_dtype && (row * dtype_size(cache_dtype)) % 16 == 0 && aligned16(cache) &&
                      aligned16(k) && aligned16(v);
  const auto grid = static_cast<unsigned>((num_tokens + kTokens - 1) / kTokens);
  if (vector) {
    reshape_and_cache_kernel<true><<<grid, kThreads, 0, stream>>>(cache, cache_dtype, num_slots, geometry.block_size,
                                                                  row, k, v, kv_dtype, num_tokens, slot_mapping);
  } else {
    reshape_and_cache_kernel<false><<<grid, kThreads, 0, stream>>>(cache, cache_dtype, num_slots, geometry.block_size,
                                                                   row, k, v, kv_dtype, num_tokens, slot_mapping);
  }
  return launch_status();
}

}  // namespace vllmts::cuda
