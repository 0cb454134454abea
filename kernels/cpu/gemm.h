// Dense matrix multiplication on the CPU: out[M, N] = x[M, K] · w[N, K]ᵀ (+ bias[N]), the shape of
// every linear layer (weights stored [out_features, in_features] as in PyTorch).
//
// Large M runs a packed, cache-blocked GEMM (gemm.cpp) over a micro-kernel chosen for the CPU
// (AVX-512 — with AVX512-BF16 pair dot products when both operands are bf16 —, AVX2 or portable
// C++); M ≤ kSkinnyRows runs a GEMV-like kernel that streams each
// weight row once (decode is bound by memory bandwidth over the weights). All arithmetic is
// float32; operands of bf16/f16 are converted while packing.
#pragma once

#include <cstdint>

#include "common/dtype.h"
#include "common/status.h"

namespace vllmts::cpu {

struct GemmArgs {
  const void* x;  // [m, k], row-major
  DType x_dtype;
  const void* w;  // [n, k], row-major
  DType w_dtype;
  const void* bias;  // [n] or null
  DType bias_dtype;
  void* out;  // [m, n], row-major; must not overlap x, w or bias
  DType out_dtype;
  int64_t m;
  int64_t n;
  int64_t k;
};

/// Rows of x up to which the skinny (GEMV-like) path is used; bf16 × bf16 products, whose blocked
/// path runs the twice-as-fast AVX512-BF16 kernels, switch over earlier.
constexpr int64_t kSkinnyRows = 16;
constexpr int64_t kSkinnyRowsBf16Pairs = 8;

/// out = x · wᵀ (+ bias). x, w, bias and out may each be float32, bfloat16 or float16.
Status gemm(const GemmArgs& args);

/// Chooses the micro-kernels: "auto" (the best the CPU has), "avx512bf16" (AVX-512, with
/// vdpbf16ps for bf16 × bf16), "avx512", "avx2" or "scalar". Returns false (and changes nothing)
/// for an unknown name or one the CPU cannot run.
bool gemm_select_kernel(const char* name);

/// The name of the micro-kernels in use ("avx512bf16" when bf16 products use vdpbf16ps).
const char* gemm_kernel_name();

}  // namespace vllmts::cpu
