// Packing with AVX2: 8 source rows × 8 k values are loaded (converted to float32 in registers),
// transposed with three shuffle stages and stored as 8 k-rows of the panel; the AVX2 kernels'
// counterpart of gemm_pack_avx512.cpp. A ragged k tail goes through a small zero-padded buffer.
#include <immintrin.h>

#include <algorithm>

#include "cpu/float_rows.h"
#include "cpu/gemm_pack.h"

namespace vllmts::cpu::gemm_detail {
namespace {

#define VT_AVX2 __attribute__((target("avx2,fma,f16c")))

template <DType D>
VT_AVX2 inline __m256 load8(const void* row, int64_t k) {
  if constexpr (D == DType::kFloat32) {
    return _mm256_loadu_ps(static_cast<const float*>(row) + k);
  } else {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(row) + k));
    if constexpr (D == DType::kBFloat16) return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    return _mm256_cvtph_ps(h);
  }
}

// In place: r[i][j] becomes r[j][i].
VT_AVX2 inline void transpose8(__m256 r[8]) {
  __m256 t[8];
  for (int p = 0; p < 4; ++p) {
    t[2 * p] = _mm256_unpacklo_ps(r[2 * p], r[2 * p + 1]);
    t[2 * p + 1] = _mm256_unpackhi_ps(r[2 * p], r[2 * p + 1]);
  }
  __m256 u[8];
  for (int q = 0; q < 2; ++q) {
    u[4 * q + 0] = _mm256_shuffle_ps(t[4 * q], t[4 * q + 2], 0x44);
    u[4 * q + 1] = _mm256_shuffle_ps(t[4 * q], t[4 * q + 2], 0xEE);
    u[4 * q + 2] = _mm256_shuffle_ps(t[4 * q + 1], t[4 * q + 3], 0x44);
    u[4 * q + 3] = _mm256_shuffle_ps(t[4 * q + 1], t[4 * q + 3], 0xEE);
  }
  for (int s = 0; s < 4; ++s) {
    r[s] = _mm256_permute2f128_ps(u[s], u[4 + s], 0x20);
    r[4 + s] = _mm256_permute2f128_ps(u[s], u[4 + s], 0x31);
  }
}

// Packs `lanes` (≤ 8) panel rows whose sources are rows[0, 8) (rows past the valid ones repeat the
// last; their lanes are never read by a kernel that respects `cols`).
template <DType D>
VT_AVX2 void pack_rows(const void* const* rows, int64_t k0, int64_t kc, int lanes, int width, float* out) {
  const __m256i lane_mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(lanes), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  __m256 block[8];
  alignas(32) float tail[8][8];
  for (int64_t kb = 0; kb < kc; kb += 8) {
    const int len = static_cast<int>(std::min<int64_t>(8, kc - kb));
    if (len == 8) {
      for (int i = 0; i < 8; ++i) block[i] = load8<D>(rows[i], k0 + kb);
    } else {
      for (int i = 0; i < 8; ++i) {
        std::fill(tail[i], tail[i] + 8, 0.0f);
        load_f32(rows[i], D, k0 + kb, len, tail[i]);
        block[i] = _mm256_load_ps(tail[i]);
      }
    }
    transpose8(block);
    float* dst = out + kb * width;
    for (int j = 0; j < len; ++j) _mm256_maskstore_ps(dst + j * width, lane_mask, block[j]);
  }
}

template <DType D>
VT_AVX2 void pack(const void* src, int64_t ld, int64_t row0, int64_t rows, int64_t k0, int64_t kc, int width,
                  float* dst) {
  const int64_t panels = (rows + width - 1) / width;
  const void* sources[8];
  for (int64_t p = 0; p < panels; ++p) {
    for (int r0 = 0; r0 < width; r0 += 8) {
      const int64_t first = p * width + r0;  // relative to row0
      const int64_t last_valid = std::max<int64_t>(0, std::min<int64_t>(first + 7, rows - 1));
      for (int i = 0; i < 8; ++i) {
        const int64_t row = row0 + std::min<int64_t>(first + i, last_valid);
        sources[i] = static_cast<const char*>(src) + row * ld * dtype_size(D);
      }
      pack_rows<D>(sources, k0, kc, std::min(8, width - r0), width, dst + p * kc * width + r0);
    }
  }
}

}  // namespace

void pack_panels_avx2(const void* src, DType dtype, int64_t ld, int64_t row0, int64_t rows, int64_t k0, int64_t kc,
                      int width, float* dst) {
  switch (dtype) {
    case DType::kBFloat16: pack<DType::kBFloat16>(src, ld, row0, rows, k0, kc, width, dst); return;
    case DType::kFloat16: pack<DType::kFloat16>(src, ld, row0, rows, k0, kc, width, dst); return;
    default: pack<DType::kFloat32>(src, ld, row0, rows, k0, kc, width, dst); return;
  }
}

}  // namespace vllmts::cpu::gemm_detail
