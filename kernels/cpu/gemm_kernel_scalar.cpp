// The portable GEMM micro-kernel: a 4×16 tile in plain C++ arrays. It is the fallback for CPUs
// without AVX2 and the plainest statement of what every micro-kernel computes.
#include <array>
#include <utility>

#include "cpu/gemm_kernels.h"
#include "cpu/gemm_pack.h"

namespace vllmts::cpu::gemm_detail {
namespace {

constexpr int kMr = 4;
constexpr int kNr = 16;

template <int Rows>
void kernel(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int cols, bool accumulate) {
  float acc[Rows][kNr] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int r = 0; r < Rows; ++r) {
      const float ar = a[r];
      for (int j = 0; j < kNr; ++j) acc[r][j] += ar * b[j];
    }
    a += Rows;
    b += kNr;
  }
  for (int r = 0; r < Rows; ++r) {
    float* row = c + r * ldc;
    for (int j = 0; j < cols; ++j) row[j] = accumulate ? row[j] + acc[r][j] : acc[r][j];
  }
}

template <int... R>
constexpr std::array<MicroKernel, sizeof...(R)> table(std::integer_sequence<int, R...>) {
  return {kernel<R + 1>...};
}

}  // namespace

const KernelSet* scalar_kernels() {
  static const auto by_rows = table(std::make_integer_sequence<int, kMr>{});
  static const KernelSet set{"scalar", kMr, kNr, by_rows.data(), pack_panels, 1};
  return &set;
}

}  // namespace vllmts::cpu::gemm_detail
