// Activations and simple elementwise ops on CUDA: the twins of cpu/activation.h (same arguments,
// float32 math, the same rounding of gated activations), enqueued on `stream`, never syncing.
// Inputs are read with 16-byte loads where the pointers and sizes allow; `out` may be `x`.
#pragma once

#include <cuda_runtime.h>

#include "common/status.h"
#include "cpu/activation.h"

namespace vllmts::cuda {

/// out[i] = act(x[i]).
Status activation(const void* x, DType x_dtype, void* out, DType out_dtype, int64_t numel, cpu::Activation act,
                  cudaStream_t stream);

/// out[r, i] = round(act(x[r, i])) · x[r, inner + i] for x [rows, 2·inner], out [rows, inner].
Status gated_activation(const void* x, void* out, DType dtype, int64_t rows, int64_t inner, cpu::Activation act,
                        cudaStream_t stream);

/// out[i] = cap · tanh(x[i] / cap).
Status softcap(const void* x, DType x_dtype, void* out, DType out_dtype, int64_t numel, float cap,
               cudaStream_t stream);

/// out[i] = s · x[i].
Status scale(const void* x, DType x_dtype, void* out, DType out_dtype, int64_t numel, float s, cudaStream_t stream);

/// out[i] = a[i] · b[i % b_numel] (b is a's shape or one row of its last dimension); one dtype.
Status mul(const void* a, const void* b, void* out, DType dtype, int64_t numel, int64_t b_numel,
           cudaStream_t stream);

}  // namespace vllmts::cuda
