// A plain tiled GEMM for what cuBLASLt does not take: x and w of different dtypes, an output dtype
// it cannot produce from the inputs (float16 from bfloat16, ...), alignments no cuBLASLt kernel
// accepts, k = 0. Correct and slow (fp32 FMA, no tensor cores); the dense path is cuBLASLt. Same
// contract as cpu::gemm: out[m, n] = x[m, k] · w[n, k]ᵀ (+ bias[n]), row-major, fp32 accumulation;
// each of x, w, bias and out is float32, float16 or bfloat16.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "common/dtype.h"
#include "common/status.h"

namespace vllmts::cuda {

Status gemm_fallback(const void* x, DType x_dtype, const void* w, DType w_dtype, const void* bias, DType bias_dtype,
                     void* out, DType out_dtype, int64_t m, int64_t n, int64_t k, cudaStream_t stream);

}  // namespace vllmts::cuda
