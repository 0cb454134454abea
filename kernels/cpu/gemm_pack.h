// Packing GEMM operands into the micro-kernels' panel layout, converting bf16/f16 to float32 on
// the way (so the micro-kernels only ever see float32).
#pragma once

#include <cstdint>

#include "common/dtype.h"

namespace vllmts::cpu::gemm_detail {

/// Packs rows [row0, row0 + rows) and columns [k0, k0 + kc) of the row-major matrix `src`
/// (`ld` elements per row, dtype float32/bf16/f16) into panels of `width` rows:
///   dst[p * kc * width + k * width + r] = src[row0 + p * width + r, k0 + k]
/// Rows past `rows` in the last panel are zero. `dst` holds ceil(rows / width) * kc * width floats.
void pack_panels(const void* src, DType dtype, int64_t ld, int64_t row0, int64_t rows, int64_t k0, int64_t kc,
                 int width, float* dst);

/// pack_panels with AVX2 transposes; only for CPUs with AVX2 and F16C.
void pack_panels_avx2(const void* src, DType dtype, int64_t ld, int64_t row0, int64_t rows, int64_t k0,
                      int64_t kc, int width, float* dst);

/// pack_panels with AVX-512 transposes; only for CPUs with AVX-512F/BW/VL.
void pack_panels_avx512(const void* src, DType dtype, int64_t ld, int64_t row0, int64_t rows, int64_t k0,
                        int64_t kc, int width, float* dst);

}  // namespace vllmts::cpu::gemm_detail
