// Selecting the largest entries of each row on CUDA: the twins of cpu/topk.h (larger values first,
// ties to the lower index, NaN above every number), enqueued on `stream`, never syncing or
// allocating. argmax is one max-reduction of a 64-bit (value key, complemented index) per row;
// topk selects the k largest of those keys per row by radix selection and sorts them in shared
// memory, kTopkChunk at a time (any k ≤ cols works; small k is one chunk).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "common/dtype.h"
#include "common/status.h"

namespace vllmts::cuda {

constexpr int kTopkChunk = 1024;

/// out[r] = index of the largest value of row r (cols ≥ 1).
Status argmax(const void* x, DType x_dtype, int64_t rows, int64_t cols, int32_t* out, cudaStream_t stream);

/// values[r, j], indices[r, j] = the j-th largest entry of row r, j < k ≤ cols.
Status topk(const void* x, DType x_dtype, int64_t rows, int64_t cols, int64_t k, void* values, DType values_dtype,
            int32_t* indices, cudaStream_t stream);

}  // namespace vllmts::cuda
