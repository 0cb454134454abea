// `linear` on CUDA tensors: out[M, N] = x[M, K] · w[N, K]ᵀ (+ bias[N]) with fp32 accumulation, where
// M is the product of x's leading dimensions. cuBLASLt runs it when it takes the types (x and w of
// one float dtype, out of that dtype or float32; each output is rounded once, a bias included:
// accumulated as C into a float32 out, added to float32 rows before the cast to a 16-bit one);
// anything else, or a shape no cuBLASLt kernel accepts, runs a plain CUDA kernel (counted by
// cuda_gemm_fallback_count, so tests and benches can tell). A missing cuBLASLt is an error, never
// a silent slow path. Each device owns one workspace (32 MiB, or $VLLM_TS_CUBLAS_WORKSPACE_MB),
// and a 32 MiB float32 scratch once a biased 16-bit GEMM runs, allocated on first use: run one
// eagerly before capturing a CUDA graph.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "tensor_arg.h"

namespace vllmts::native {

/// A GEMM on raw device pointers, all row-major: out[m, n] = x[m, k] · w[n, k]ᵀ (+ bias[n]). Each
/// dtype is float32, float16 or bfloat16; bias may be null.
struct CudaGemm {
  const void* x;
  DType x_dtype;
  const void* w;
  DType w_dtype;
  const void* bias;
  DType bias_dtype;
  void* out;
  DType out_dtype;
  int64_t m;
  int64_t n;
  int64_t k;
};

/// Queues the GEMM on `device`'s stream (cuBLASLt, else the plain kernel), for native callers that
/// hold pointers rather than tensors. On failure, cuda_gemm_last_error() says why.
Status cuda_gemm(int device, const CudaGemm& gemm);

/// Queues out = x · wᵀ (+ bias) on the operands' device stream. The operands must be CUDA tensors
/// on one device with float dtypes (the binding validates shapes first; this checks again and
/// returns kInvalidArgument). On failure, cuda_gemm_last_error() says why.
Status cuda_linear(const TensorArg& out, const TensorArg& x, const TensorArg& w, const TensorArg* bias);

/// Why the calling thread's last cuda_linear failed ("" after a success).
const std::string& cuda_gemm_last_error();

/// GEMMs that took the plain-kernel path instead of cuBLASLt, since the process started.
uint64_t cuda_gemm_fallback_count();

/// Lets fp32 GEMMs use tf32 tensor cores (off by default: fp32 results stay exact to fp32 rounding).
void cuda_gemm_set_allow_tf32(bool allow);
bool cuda_gemm_allow_tf32();

}  // namespace vllmts::native
