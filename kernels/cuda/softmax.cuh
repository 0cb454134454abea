// Softmax and log-softmax over the last dimension on CUDA: the twin of cpu/softmax.h (float32
// math; a row holding NaN, or only -inf, comes out NaN), enqueued on `stream`, never syncing.
// Each row is read once when it fits the row threads' registers (dense_rows.cuh); longer rows keep
// a running (max, sum) so they are read twice, not three times.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "common/dtype.h"
#include "common/status.h"

namespace vllmts::cuda {

/// out = softmax(x) (or log_softmax(x) when `log`) over rows of `cols`; out may be x.
Status softmax(const void* x, DType x_dtype, void* out, DType out_dtype, int64_t rows, int64_t cols, bool log,
               cudaStream_t stream);

}  // namespace vllmts::cuda
