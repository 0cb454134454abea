// Pooling reductions on CUDA: the twins of cpu/pooling.h (float32 sums), enqueued on `stream`,
// never syncing. The host cannot read start_loc without waiting for the device, so mean_pool
// clamps each range into [0, tokens) instead of rejecting it (the CPU binding rejects bad ranges);
// an empty range averages nothing and comes out NaN (0 / 0).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "common/dtype.h"
#include "common/status.h"

namespace vllmts::cuda {

/// out[s] = mean of x rows [start_loc[s], start_loc[s + 1]) for x [tokens, hidden].
Status mean_pool(const void* x, DType x_dtype, int64_t tokens, int64_t hidden, const int32_t* start_loc,
                 int64_t sequences, void* out, DType out_dtype, cudaStream_t stream);

/// out[r] = x[r] / max(‖x[r]‖₂, 1e-12); out may be x.
Status l2_normalize(const void* x, DType x_dtype, void* out, DType out_dtype, int64_t rows, int64_t cols,
                    cudaStream_t stream);

}  // namespace vllmts::cuda
