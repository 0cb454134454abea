// The GEMM micro-kernels: each computes one MR×NR tile of C from packed float32 panels.
//
// Packed layouts (gemm_pack.h writes them):
//   A panel of h ≤ MR rows: kc steps of h floats, a[k * h + r] = x[row0 + r, k0 + k]
//   B panel: kc steps of NR floats, b[k * NR + c] = w[col0 + c, k0 + k]  (cols past N are zero)
// The kernel for h rows writes C[r, c] for r < h and c < cols; with `accumulate` it adds to what
// C holds, otherwise it overwrites. Splitting M into panels of nearly equal h (16 = 8 + 8 rather
// than 14 + 2) keeps small batches efficient.
//
// A set with k_per_step = 2 (AVX512-BF16) takes bfloat16 x and w and steps over pairs of k: each
// 32-bit lane of a panel holds the bf16 pair (k, k+1), and kc counts pairs.
#pragma once

#include <cstdint>

#include "common/dtype.h"

namespace vllmts::cpu::gemm_detail {

/// kc: steps of k (pairs of k for a k_per_step = 2 set).
using MicroKernel = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int cols,
                             bool accumulate);

/// Packs operand panels (gemm_pack.h's pack_panels contract).
using PackFn = void (*)(const void* src, DType dtype, int64_t ld, int64_t row0, int64_t rows, int64_t k0,
                        int64_t kc, int width, float* dst);

struct KernelSet {
  const char* name;
  int mr;
  int nr;
  /// by_rows[h - 1] handles an A panel of h rows.
  const MicroKernel* by_rows;
  /// Called with element coordinates (k0, kc) whatever k_per_step is.
  PackFn pack;
  int k_per_step;
};

/// 14×32 tiles on AVX-512F (28 zmm accumulators). Null when the CPU lacks AVX-512F.
const KernelSet* avx512_kernels();
/// 14×32 tiles of bfloat16 pair dot products (vdpbf16ps) for bfloat16 x and w, on CPUs with
/// AVX512-BF16. Null when the CPU lacks it.
const KernelSet* avx512_bf16_kernels();
/// 6×16 tiles on AVX2 + FMA (12 ymm accumulators). Null when the CPU lacks AVX2, FMA or F16C.
const KernelSet* avx2_kernels();
/// 4×16 tiles in portable C++ (vectorised as far as the build's -march allows).
const KernelSet* scalar_kernels();

}  // namespace vllmts::cpu::gemm_detail
