#include "cpu/gemm_pack.h"

#include <algorithm>

#include "cpu/float_rows.h"

namespace vllmts::cpu::gemm_detail {
namespace {

constexpr int kLine = 256;      // elements converted per step: one source row segment in L1
constexpr int kMaxLines = 32;   // rows staged at once (every kernel's MR and NR fit)

// Copies `count` converted row segments (lines[r][0, len)) into columns [r0, r0 + count) of the
// panel's k-major layout.
void scatter_lines(const float* lines, int count, int64_t len, int width, int r0, float* out) {
  for (int64_t k = 0; k < len; ++k) {
    for (int r = 0; r < count; ++r) out[k * width + r0 + r] = lines[r * kLine + k];
  }
}

}  // namespace

void pack_panels(const void* src, DType dtype, int64_t ld, int64_t row0, int64_t rows, int64_t k0, int64_t kc,
                 int width, float* dst) {
  alignas(64) float lines[kMaxLines * kLine];
  const int64_t panels = (rows + width - 1) / width;
  for (int64_t p = 0; p < panels; ++p) {
    const int valid = static_cast<int>(std::min<int64_t>(width, rows - p * width));
    float* panel = dst + p * kc * width;
    for (int r0 = 0; r0 < width; r0 += kMaxLines) {
      const int count = std::min(kMaxLines, width - r0);
      for (int64_t kb = 0; kb < kc; kb += kLine) {
        const int64_t len = std::min<int64_t>(kLine, kc - kb);
        for (int r = 0; r < count; ++r) {
          float* line = lines + r * kLine;
          if (r0 + r < valid) {
            load_f32(src, dtype, (row0 + p * width + r0 + r) * ld + k0 + kb, len, line);
          } else {
            std::fill(line, line + len, 0.0f);
          }
        }
        scatter_lines(lines, count, len, width, r0, panel + kb * width);
      }
    }
  }
}

}  // namespace vllmts::cpu::gemm_detail
