#include "cpu/kv_cache.h"

#include <cstring>
#include <initializer_list>

#include "cpu/elementwise.h"
#include "cpu/parallel.h"

namespace vllmts::cpu {

Status reshape_and_cache(void* cache, DType cache_dtype, const KVCacheGeometry& geometry, const void* k,
                         const void* v, DType kv_dtype, int64_t num_tokens, const int32_t* slot_mapping) {
  if (geometry.block_size <= 0 || num_tokens < 0) return Status::kInvalidArgument;
  for (const DType dtype : {cache_dtype, kv_dtype}) {
    if (dtype != DType::kFloat32 && dtype != DType::kBFloat16 && dtype != DType::kFloat16) {
      return Status::kUnsupportedDType;
    }
  }
  const int64_t row = geometry.num_kv_heads * geometry.head_size;  // elements per token
  const int64_t in_size = dtype_size(kv_dtype);
  const int64_t out_size = dtype_size(cache_dtype);
  auto* out = static_cast<char*>(cache);
  parallel_for(num_tokens, 16, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const int64_t slot = slot_mapping[t];
      if (slot < 0) continue;
      const int64_t block = slot / geometry.block_size;
      const int64_t offset = slot % geometry.block_size;
      const int64_t key_index = ((block * 2) * geometry.block_size + offset) * row;
      const int64_t value_index = ((block * 2 + 1) * geometry.block_size + offset) * row;
      const char* key = static_cast<const char*>(k) + t * row * in_size;
      const char* value = static_cast<const char*>(v) + t * row * in_size;
      // cast() is the backend's one conversion routine (round to nearest even); it cannot fail
      // for the float dtypes checked above.
      (void)cast(key, kv_dtype, out + key_index * out_size, cache_dtype, row);
      (void)cast(value, kv_dtype, out + value_index * out_size, cache_dtype, row);
    }
  });
  return Status::kOk;
}

Status copy_blocks(void* dst, const void* src, int64_t block_bytes, const int32_t* mapping, int64_t num_pairs) {
  if (block_bytes < 0 || num_pairs < 0) return Status::kInvalidArgument;
  parallel_for(num_pairs, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      std::memmove(static_cast<char*>(dst) + mapping[2 * i + 1] * block_bytes,
                  static_cast<const char*>(src) + mapping[2 * i] * block_bytes, static_cast<size_t>(block_bytes));
    }
  });
  return Status::kOk;
}

}  // namespace vllmts::cpu
