// Normalisation over the last dimension on CUDA: the twins of cpu/norm.h (same arguments, same
// rounding), enqueued on `stream`, never syncing or allocating. Statistics are float32, reduced
// per row by a warp or a block (dense_rows.cuh); residual-add + RMSNorm is one pass.
#pragma once

#include <cuda_runtime.h>

#include "common/status.h"
#include "cpu/norm.h"

namespace vllmts::cuda {

/// out = x / sqrt(mean(x²) + eps) · w (Llama: x / rms rounded to the dtype first; Gemma: (1 + w),
/// rounded once). out may be x.
Status rms_norm(const cpu::NormArgs& args, const void* x, void* out, cudaStream_t stream);

/// residual = x + residual (rounded to the dtype); x = rms_norm(residual). Both in place, in one
/// read of x and residual and one write of each.
Status fused_add_rms_norm(const cpu::NormArgs& args, void* x, void* residual, cudaStream_t stream);

/// out = (x - mean) / sqrt(var + eps) · w + b (biased variance, two-pass; bias may be null).
Status layer_norm(const cpu::NormArgs& args, const void* x, const void* bias, DType bias_dtype, void* out,
                  cudaStream_t stream);

}  // namespace vllmts::cuda
