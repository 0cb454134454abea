// The AVX2 GEMM micro-kernel, for CPUs without AVX-512: a 6×16 tile of C in 12 ymm registers,
// two B vectors and one broadcast per step (15 of the 16 registers). Compiled with a target
// attribute and chosen at run time.
#include <immintrin.h>

#include <array>
#include <utility>

#include "cpu/gemm_kernels.h"
#include "cpu/gemm_pack.h"

namespace vllmts::cpu::gemm_detail {
namespace {

constexpr int kMr = 6;
constexpr int kNr = 16;

#define VT_AVX2 __attribute__((target("avx2,fma")))

VT_AVX2 inline __m256i lane_mask(int valid) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(valid), lanes);
}

template <int Rows>
VT_AVX2 void kernel(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int cols, bool accumulate) {
  __m256 acc[Rows][2];
#pragma GCC unroll 6
  for (int r = 0; r < Rows; ++r) {
    acc[r][0] = _mm256_setzero_ps();
    acc[r][1] = _mm256_setzero_ps();
  }
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_loadu_ps(b);
    const __m256 b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
    for (int r = 0; r < Rows; ++r) {
      const __m256 ar = _mm256_broadcast_ss(a + r);
      acc[r][0] = _mm256_fmadd_ps(ar, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(ar, b1, acc[r][1]);
    }
    a += Rows;
    b += kNr;
  }
  if (cols == kNr) {
#pragma GCC unroll 6
    for (int r = 0; r < Rows; ++r) {
      float* row = c + r * ldc;
      if (accumulate) {
        acc[r][0] = _mm256_add_ps(acc[r][0], _mm256_loadu_ps(row));
        acc[r][1] = _mm256_add_ps(acc[r][1], _mm256_loadu_ps(row + 8));
      }
      _mm256_storeu_ps(row, acc[r][0]);
      _mm256_storeu_ps(row + 8, acc[r][1]);
    }
    return;
  }
  const __m256i m0 = lane_mask(cols);
  const __m256i m1 = lane_mask(cols - 8);
#pragma GCC unroll 6
  for (int r = 0; r < Rows; ++r) {
    float* row = c + r * ldc;
    if (accumulate) {
      acc[r][0] = _mm256_add_ps(acc[r][0], _mm256_maskload_ps(row, m0));
      acc[r][1] = _mm256_add_ps(acc[r][1], _mm256_maskload_ps(row + 8, m1));
    }
    _mm256_maskstore_ps(row, m0, acc[r][0]);
    _mm256_maskstore_ps(row + 8, m1, acc[r][1]);
  }
}

template <int... R>
constexpr std::array<MicroKernel, sizeof...(R)> table(std::integer_sequence<int, R...>) {
  return {kernel<R + 1>...};
}

}  // namespace

const KernelSet* avx2_kernels() {
  static const auto by_rows = table(std::make_integer_sequence<int, kMr>{});
  static const KernelSet set{"avx2", kMr, kNr, by_rows.data(), pack_panels_avx2, 1};
  const bool supported =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  return supported ? &set : nullptr;
}

}  // namespace vllmts::cpu::gemm_detail
