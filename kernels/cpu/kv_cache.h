// The paged KV cache's CPU kernels: writing new tokens' keys and values into their slots, and
// copying whole blocks between caches (swapping preempted requests to host memory and back).
//
// Layout of one layer's cache: [num_blocks, 2, block_size, num_kv_heads, head_size], contiguous;
// keys at index 0 of dim 1, values at index 1. Slot = block · block_size + offset in the block.
// A block is one contiguous page of 2 · block_size · num_kv_heads · head_size elements.
#pragma once

#include <cstdint>

#include "common/dtype.h"
#include "common/status.h"

namespace vllmts::cpu {

struct KVCacheGeometry {
  int64_t num_blocks;
  int64_t block_size;
  int64_t num_kv_heads;
  int64_t head_size;
};

/// For each token t with slot_mapping[t] ≥ 0, writes k[t] and v[t] ([num_kv_heads, head_size],
/// contiguous rows of `kv_dtype`) into that slot, converting to `cache_dtype`. Slot −1 skips the
/// token (padding). Slots must lie in [−1, num_blocks · block_size): the caller checks them.
Status reshape_and_cache(void* cache, DType cache_dtype, const KVCacheGeometry& geometry, const void* k,
                         const void* v, DType kv_dtype, int64_t num_tokens, const int32_t* slot_mapping);

/// For each pair i, copies block mapping[2i] of `src` to block mapping[2i + 1] of `dst`
/// (`block_bytes` each); both are host memory. Pairs run in parallel: they must be in range,
/// destinations distinct, and no destination another pair's source (the caller checks).
Status copy_blocks(void* dst, const void* src, int64_t block_bytes, const int32_t* mapping, int64_t num_pairs);

}  // namespace vllmts::cpu
