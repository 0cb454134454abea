// Packing with AVX-512: 16 source rows × 16 k values are loaded (converted to float32 in
// registers), transposed with three shuffle stages, and stored as 16 k-rows of the panel. This
// keeps packing at memory speed, which matters when M is small and packing w is most of the work.
// GCC 12 flags the intrinsics headers' own _mm512_undefined_ps() (its bug 105593).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <algorithm>

#include "cpu/gemm_pack.h"

namespace vllmts::cpu::gemm_detail {
namespace {

#define VT_AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq")))

template <DType D>
VT_AVX512 inline __m512 load16(const void* row, int64_t k, __mmask16 mask) {
  if constexpr (D == DType::kFloat32) {
    return _mm512_maskz_loadu_ps(mask, static_cast<const float*>(row) + k);
  } else {
    const __m256i h = _mm256_maskz_loadu_epi16(mask, static_cast<const uint16_t*>(row) + k);
    if constexpr (D == DType::kBFloat16) return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    return _mm512_mask_cvtph_ps(_mm512_setzero_ps(), 0xffff, h);
  }
}

// In place: r[i][j] becomes r[j][i].
VT_AVX512 inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  __m512 u[16];
  for (int p = 0; p < 8; ++p) {
    t[2 * p] = _mm512_unpacklo_ps(r[2 * p], r[2 * p + 1]);
    t[2 * p + 1] = _mm512_unpackhi_ps(r[2 * p], r[2 * p + 1]);
  }
  // u[4q + s], 128-bit lane L: column 4L + s of rows 4q .. 4q + 3.
  for (int q = 0; q < 4; ++q) {
    u[4 * q + 0] = _mm512_shuffle_ps(t[4 * q], t[4 * q + 2], 0x44);
    u[4 * q + 1] = _mm512_shuffle_ps(t[4 * q], t[4 * q + 2], 0xEE);
    u[4 * q + 2] = _mm512_shuffle_ps(t[4 * q + 1], t[4 * q + 3], 0x44);
    u[4 * q + 3] = _mm512_shuffle_ps(t[4 * q + 1], t[4 * q + 3], 0xEE);
  }
  for (int s = 0; s < 4; ++s) {
    const __m512 x01 = _mm512_shuffle_f32x4(u[s], u[4 + s], 0x44);
    const __m512 x23 = _mm512_shuffle_f32x4(u[s], u[4 + s], 0xEE);
    const __m512 y01 = _mm512_shuffle_f32x4(u[8 + s], u[12 + s], 0x44);
    const __m512 y23 = _mm512_shuffle_f32x4(u[8 + s], u[12 + s], 0xEE);
    r[s] = _mm512_shuffle_f32x4(x01, y01, 0x88);
    r[4 + s] = _mm512_shuffle_f32x4(x01, y01, 0xDD);
    r[8 + s] = _mm512_shuffle_f32x4(x23, y23, 0x88);
    r[12 + s] = _mm512_shuffle_f32x4(x23, y23, 0xDD);
  }
}

// Packs `lanes` (≤ 16) consecutive panel rows whose sources are rows[0, 16) (rows past the valid
// ones repeat the last; their lanes are computed but never read by a kernel that respects `cols`).
template <DType D>
VT_AVX512 void pack_rows(const void* const* rows, int64_t k0, int64_t kc, int lanes, int width, float* out) {
  const __mmask16 lane_mask = static_cast<__mmask16>((1u << lanes) - 1u);
  __m512 block[16];
  for (int64_t kb = 0; kb < kc; kb += 16) {
    const int len = static_cast<int>(std::min<int64_t>(16, kc - kb));
    const __mmask16 k_mask = static_cast<__mmask16>((1u << len) - 1u);
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) block[i] = load16<D>(rows[i], k0 + kb, k_mask);
    transpose16(block);
    float* dst = out + kb * width;
    if (len == 16 && lanes == 16) {
#pragma GCC unroll 16
      for (int j = 0; j < 16; ++j) _mm512_storeu_ps(dst + j * width, block[j]);
    } else {
      for (int j = 0; j < len; ++j) _mm512_mask_storeu_ps(dst + j * width, lane_mask, block[j]);
    }
  }
}

template <DType D>
VT_AVX512 void pack(const void* src, int64_t ld, int64_t row0, int64_t rows, int64_t k0, int64_t kc, int width,
                    float* dst) {
  const int64_t panels = (rows + width - 1) / width;
  const void* sources[16];
  for (int64_t p = 0; p < panels; ++p) {
    for (int r0 = 0; r0 < width; r0 += 16) {
      const int64_t first = p * width + r0;  // relative to row0
      const int64_t last_valid = std::max<int64_t>(0, std::min<int64_t>(first + 15, rows - 1));
      for (int i = 0; i < 16; ++i) {
        const int64_t row = row0 + std::min<int64_t>(first + i, last_valid);
        sources[i] = static_cast<const char*>(src) + row * ld * dtype_size(D);
      }
      pack_rows<D>(sources, k0, kc, std::min(16, width - r0), width, dst + p * kc * width + r0);
    }
  }
}

}  // namespace

void pack_panels_avx512(const void* src, DType dtype, int64_t ld, int64_t row0, int64_t rows, int64_t k0, int64_t kc,
                        int width, float* dst) {
  switch (dtype) {
    case DType::kBFloat16: pack<DType::kBFloat16>(src, ld, row0, rows, k0, kc, width, dst); return;
    case DType::kFloat16: pack<DType::kFloat16>(src, ld, row0, rows, k0, kc, width, dst); return;
    default: pack<DType::kFloat32>(src, ld, row0, rows, k0, kc, width, dst); return;
  }
}

}  // namespace vllmts::cpu::gemm_detail
