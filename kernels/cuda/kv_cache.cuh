// The paged KV cache's CUDA kernels: the twins of cpu/kv_cache.h, enqueued on a stream, never
// syncing. Layout as there: [num_blocks, 2, block_size, num_kv_heads, head_size].
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "common/dtype.h"
#include "common/status.h"

namespace vllmts::cuda {

struct KVCacheGeometry {
  int64_t num_blocks;
  int64_t block_size;
  int64_t num_kv_heads;
  int64_t head_size;
};

/// For each token t with slot_mapping[t] in [0, num_blocks · block_size), writes k[t] and v[t]
/// ([num_kv_heads, head_size] rows of `kv_dtype`, contiguous) into that slot, converted to
/// `cache_dtype` (round to nearest even). Slot −1 skips the token. The slot mapping lives on the
/// device, so the host cannot check it without waiting: slots outside the range are skipped too.
Status reshape_and_cache(void* cache, DType cache_dtype, const KVCacheGeometry& geometry, const void* k,
                         const void* v, DType kv_dtype, int64_t num_tokens, const int32_t* slot_mapping,
                         cudaStream_t stream);

}  // namespace vllmts::cuda
