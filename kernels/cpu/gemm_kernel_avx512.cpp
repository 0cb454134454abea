// The AVX-512 GEMM micro-kernel: a 14×32 tile of C lives in 28 zmm registers; each k step loads
// two vectors of B and broadcasts 14 values of A (embedded-broadcast FMAs). Compiled with a target
// attribute, so the file builds for any -march and runs only where the CPU has AVX-512F.
#include <immintrin.h>

#include <array>
#include <utility>

#include "cpu/gemm_kernels.h"
#include "cpu/gemm_pack.h"

namespace vllmts::cpu::gemm_detail {
namespace {

constexpr int kMr = 14;
constexpr int kNr = 32;

#define VT_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,fma")))

template <int Rows>
VT_AVX512 void kernel(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int cols, bool accumulate) {
  __m512 acc[Rows][2];
#pragma GCC unroll 14
  for (int r = 0; r < Rows; ++r) {
    acc[r][0] = _mm512_setzero_ps();
    acc[r][1] = _mm512_setzero_ps();
  }
  for (int64_t k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_loadu_ps(b);
    const __m512 b1 = _mm512_loadu_ps(b + 16);
    _mm_prefetch(reinterpret_cast<const char*>(b + 8 * kNr), _MM_HINT_T0);
#pragma GCC unroll 14
    for (int r = 0; r < Rows; ++r) {
      const __m512 ar = _mm512_set1_ps(a[r]);
      acc[r][0] = _mm512_fmadd_ps(ar, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(ar, b1, acc[r][1]);
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

}  // namespace

const KernelSet* avx512_kernels() {
  static const auto by_rows = table(std::make_integer_sequence<int, kMr>{});
  static const KernelSet set{"avx512", kMr, kNr, by_rows.data(), pack_panels_avx512, 1};
  const bool supported = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  return supported ? &set : nullptr;
}

}  // namespace vllmts::cpu::gemm_detail
