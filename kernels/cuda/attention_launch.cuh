// Launchers of the attention kernels, one per kernel family (internal to kernels/cuda/attention*):
// attention.cu picks the family and the grid; each family's .cu instantiates its templates.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "common/status.h"
#include "cuda/attention_common.cuh"

namespace vllmts::cuda::attention_detail {

/// Head sizes the tensor-core kernel is instantiated for.
inline bool mma_head_size(int64_t head_size) {
  return head_size == 64 || head_size == 80 || head_size == 96 || head_size == 128 || head_size == 256;
}

/// Query rows of one tensor-core block: 16 for decode (one token's heads), else 64.
inline int mma_rows(Source source) { return source == Source::kDecode ? 16 : 64; }

/// Dense tiles of the float32 kernel hold this many tokens.
constexpr int kSimtDenseTokens = 16;

/// Tensor-core kernel; grid.y = num_kv_heads × head groups (see mma_attention_kernel).
Status launch_mma_bf16(const KernelArgs& args, Source source, dim3 grid, cudaStream_t stream);
Status launch_mma_f16(const KernelArgs& args, Source source, dim3 grid, cudaStream_t stream);

/// Float32 CUDA-core kernel for every dtype pairing; grid.y = num_kv_heads.
Status launch_simt(const KernelArgs& args, DType cache_dtype, Source source, dim3 grid, cudaStream_t stream);

/// Merges split-KV partials: the plan's merge items (decode_splits == 0) or the decode splits.
Status launch_merge(const KernelArgs& args, const int32_t* merge_items, int64_t num_merge_items,
                    cudaStream_t stream);

}  // namespace vllmts::cuda::attention_detail
