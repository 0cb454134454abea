// The AVX512-BF16 GEMM micro-kernel for bfloat16 x and w: vdpbf16ps multiplies 16 lanes of bf16
// pairs and adds both products to float32 accumulators, so each instruction does twice the work
// of a float32 FMA. Tiles are 14×32 as in the float32 kernel; panels hold bf16 pairs (k, k+1) in
// 32-bit lanes, which is what packing the bf16 matrix viewed as 32-bit elements produces, so the
// float32 transpose-pack serves unchanged. Products of bf16 values are exact in float32; the
// instruction treats bf16 subnormals as zero.
#include <immintrin.h>

#include <array>
#include <utility>

#include "cpu/gemm_kernels.h"
#include "cpu/gemm_pack.h"

namespace vllmts::cpu::gemm_detail {
namespace {

constexpr int kMr = 14;
constexpr int kNr = 32;

#define VT_AVX512_BF16 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx512bf16")))

template <int Rows>
VT_AVX512_BF16 void kernel(int64_t pairs, const float* a, const float* b, float* c, int64_t ldc, int cols,
                           bool accumulate) {
  __m512 acc[Rows][2];
#pragma GCC unroll 14
  for (int r = 0; r < Rows; ++r) {
    acc[r][0] = _mm512_setzero_ps();
    acc[r][1] = _mm512_setzero_ps();
  }
  for (int64_t k = 0; k < pairs; ++k) {
    const auto b0 = reinterpret_cast<__m512bh>(_mm512_loadu_ps(b));
    const auto b1 = reinterpret_cast<__m512bh>(_mm512_loadu_ps(b + 16));
    _mm_prefetch(reinterpret_cast<const char*>(b + 8 * kNr), _MM_HINT_T0);
#pragma GCC unroll 14
    for (int r = 0; r < Rows; ++r) {
      const auto ar = reinterpret_cast<__m512bh>(_mm512_set1_ps(a[r]));  // the pair (k, k+1) of row r
      acc[r][0] = _mm512_dpbf16_ps(acc[r][0], ar, b0);
      acc[r][1] = _mm512_dpbf16_ps(acc[r][1], ar, b1);
    }
    a += Rows;
    b += kNr;
  }
  const __mmask16 m0 = cols >= 16 ? __mmask16(0xffff) : __mmask16((1u << cols) - 1u);
  const __mmask16 m1 = cols >= 32 ? __mmask16(0xffff) : cols <= 16 ? __mmask16(0) : __mmask16((1u << (cols - 16)) - 1u);
#pragma GCC unroll 14
  for (int r = 0; r < Rows; ++r) {
    float* row = c + r * ldc;
    if (accumulate) {
      acc[r][0] = _mm512_add_ps(acc[r][0], _mm512_maskz_loadu_ps(m0, row));
      acc[r][1] = _mm512_add_ps(acc[r][1], _mm512_maskz_loadu_ps(m1, row + 16));
    }
    _mm512_mask_storeu_ps(row, m0, acc[r][0]);
    _mm512_mask_storeu_ps(row + 16, m1, acc[r][1]);
  }
}

template <int... R>
constexpr std::array<MicroKernel, sizeof...(R)> table(std::integer_sequence<int, R...>) {
  return {kernel<R + 1>...};
}

// Element coordinates in, 32-bit pair coordinates out: (k0, kc) and the row stride halve.
void pack_pairs(const void* src, DType, int64_t ld, int64_t row0, int64_t rows, int64_t k0, int64_t kc, int width,
                float* dst) {
  pack_panels_avx512(src, DType::kFloat32, ld / 2, row0, rows, k0 / 2, kc / 2, width, dst);
}

}  // namespace

const KernelSet* avx512_bf16_kernels() {
  static const auto by_rows = table(std::make_integer_sequence<int, kMr>{});
  static const KernelSet set{"avx512bf16", kMr, kNr, by_rows.data(), pack_pairs, 2};
  const bool supported = avx512_kernels() != nullptr && __builtin_cpu_supports("avx512bf16");
  return supported ? &set : nullptr;
}

}  // namespace vllmts::cpu::gemm_detail
