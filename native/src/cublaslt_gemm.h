// Dense GEMM through cuBLASLt: out[m, n] = x[m, k] · w[n, k]ᵀ (+ out[m, n]), all row-major, with fp32
// accumulation (CUBLAS_COMPUTE_32F; tf32 tensor cores only when allowed, for fp32 inputs).
//
// Row-major through a column-major library: a row-major [r, c] matrix is a column-major [c, r] one
// with the same leading dimension, so cuBLASLt computes D[n, m] = op(A)[n, k] · B[k, m] with
// A = w seen as [k, n] and transposed ("T"), B = x seen as [k, m] ("N"), and D = out seen as
// [n, m]: the "TN" layout Hopper's fastest kernels take. With `accumulate`, beta = 1 adds what out
// holds (C = D, in place) before the single rounding to out's dtype: a caller adds a bias by
// broadcasting it into out first.
//
// Plans (descriptors plus the heuristic's algorithm) are cached per (device, bucket of m, n, k,
// dtypes, tf32, operand alignments): decode batches and prefill lengths reuse a handful of
// plans, and a call only patches m. If an algorithm chosen for the bucket
// rejects the exact m, the heuristic is asked again for that m. CUDA builds only.
#pragma once

#if defined(VLLM_TS_WITH_CUDA)

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/dtype.h"
#include "cuda_device.h"

namespace vllmts::native {

struct LtGemm {
  const void* x;     // [m, k], in_dtype
  const void* w;     // [n, k], in_dtype
  void* out;         // [m, n], out_dtype; read first when `accumulate`
  DType in_dtype;    // float32, float16 or bfloat16
  DType out_dtype;   // in_dtype or float32
  int64_t m;
  int64_t n;
  int64_t k;
  bool accumulate;   // out = x · wᵀ + out (beta = 1) instead of out = x · wᵀ
  bool allow_tf32;
  void* workspace;  // device memory, stream-ordered with `stream`
  size_t workspace_bytes;
};

enum class LtResult {
  kOk,
  kUnavailable,  // the library is missing: *detail says what to install
  kNoAlgorithm,  // cuBLASLt has no kernel for these types/alignments: the caller may fall back
  kFailed,       // a cuBLAS error: *detail says which
};

/// True if cuBLASLt takes these types (x and w share `in`; out is `in` or float32).
bool cublaslt_supports(DType in, DType out);

/// Queues the GEMM on `stream` (the device's); never synchronises.
LtResult cublaslt_gemm(int device, const LtGemm& gemm, cudaStream_t stream, std::string* detail);

/// The loaded library's path and version, or the reason it cannot be loaded.
bool cublaslt_describe(std::string* path, size_t* version, std::string* reason);

}  // namespace vllmts::native

#endif
