// Elementwise CUDA kernels: the twins of cpu/elementwise.h, enqueued on `stream`, never syncing.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "common/dtype.h"
#include "common/status.h"

namespace vllmts::cuda {

Status fill(void* out, DType dtype, int64_t numel, double value, cudaStream_t stream);
Status fill_uniform(void* out, DType dtype, int64_t numel, float low, float high, uint64_t seed,
                    cudaStream_t stream);
Status cast(const void* in, DType in_dtype, void* out, DType out_dtype, int64_t numel, cudaStream_t stream);
// out[r, c] = row[c] for every row r of out's `numel` elements, cast from row_dtype to out_dtype.
Status broadcast_rows(const void* row, DType row_dtype, void* out, DType out_dtype, int64_t numel, int64_t row_numel,
                      cudaStream_t stream);
// out[r, c] = (in[r, c] + row[c]) in float32, then cast to out_dtype: a GEMM's bias epilogue with
// a single rounding to a 16-bit out.
Status add_rows_cast(const float* in, const void* row, DType row_dtype, void* out, DType out_dtype, int64_t numel,
                     int64_t row_numel, cudaStream_t stream);
Status add(const void* a, const void* b, void* out, DType dtype, int64_t numel, int64_t b_numel,
           cudaStream_t stream);

}  // namespace vllmts::cuda
