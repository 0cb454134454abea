// Philox4x32-10 for a run of consecutive counters on the CPU, 16 (AVX-512) or 8 (AVX2) counters
// at a time, written out in token order: words[4t + j] is word j of counter first + t, exactly as
// the scalar philox4x32_10 gives it. The 32×32→64-bit products use the even/odd-lane unsigned
// multiplies (the compiler's own vectorisation of the scalar code reaches for slow 64-bit
// multiplies and scalar interleaving stores), and a 4×N transpose puts the words in order.
#pragma once

#include <cstdint>

#include "cpu/sampling_philox.h"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace vllmts::cpu {

#if defined(__AVX512F__)
// Shifts and masks are written with vector extensions, the other intrinsics in their zero-masked
// forms: GCC 12's unmasked 512-bit intrinsics pass an undefined source that trips
// -Wmaybe-uninitialized.
using philox_u64x8 = unsigned long long __attribute__((vector_size(64)));

inline void philox_mulhilo(__m512i a, __m512i m, __m512i& hi, __m512i& lo) {
  const auto even = reinterpret_cast<philox_u64x8>(_mm512_maskz_mul_epu32(0xff, a, m));
  const auto shifted = reinterpret_cast<__m512i>(reinterpret_cast<philox_u64x8>(a) >> 32);
  const auto odd = reinterpret_cast<philox_u64x8>(_mm512_maskz_mul_epu32(0xff, shifted, m));
  const philox_u64x8 low = philox_u64x8{} + 0xffffffffull;
  lo = reinterpret_cast<__m512i>((even & low) | (odd << 32));
  hi = reinterpret_cast<__m512i>((even >> 32) | (odd & ~low));
}

// 16 counters (first .. first + 15, c1 = position, c2 = stream, c3 = 0) → 64 words in order.
inline void philox_block(uint32_t* words, uint32_t first, uint32_t position, uint32_t stream, uint32_t k0,
                         uint32_t k1) {
  const __m512i m0 = _mm512_set1_epi32(static_cast<int>(sampling::kPhiloxM0));
  const __m512i m1 = _mm512_set1_epi32(static_cast<int>(sampling::kPhiloxM1));
  __m512i c0 = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(first)),
                                _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  __m512i c1 = _mm512_set1_epi32(static_cast<int>(position));
  __m512i c2 = _mm512_set1_epi32(static_cast<int>(stream));
  __m512i c3 = _mm512_setzero_si512();
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += sampling::kPhiloxW0;
      k1 += sampling::kPhiloxW1;
    }
    __m512i hi0, lo0, hi1, lo1;
    philox_mulhilo(c0, m0, hi0, lo0);
    philox_mulhilo(c2, m1, hi1, lo1);
    c0 = _mm512_xor_si512(_mm512_xor_si512(hi1, c1), _mm512_set1_epi32(static_cast<int>(k0)));
    c2 = _mm512_xor_si512(_mm512_xor_si512(hi0, c3), _mm512_set1_epi32(static_cast<int>(k1)));
    c1 = lo1;
    c3 = lo0;
  }
  // Transpose: per 128-bit lane, u_j holds the four words of counter 4·lane + j ...
  const __m512i t01lo = _mm512_maskz_unpacklo_epi32(0xffff, c0, c1);
  const __m512i t01hi = _mm512_maskz_unpackhi_epi32(0xffff, c0, c1);
  const __m512i t23lo = _mm512_maskz_unpacklo_epi32(0xffff, c2, c3);
  const __m512i t23hi = _mm512_maskz_unpackhi_epi32(0xffff, c2, c3);
  const __m512i u0 = _mm512_maskz_unpacklo_epi64(0xff, t01lo, t23lo);
  const __m512i u1 = _mm512_maskz_unpackhi_epi64(0xff, t01lo, t23lo);
  const __m512i u2 = _mm512_maskz_unpacklo_epi64(0xff, t01hi, t23hi);
  const __m512i u3 = _mm512_maskz_unpackhi_epi64(0xff, t01hi, t23hi);
  // ... then a 4×4 transpose of 128-bit blocks gathers counters 4m .. 4m + 3 into output m.
  const __m512i v0 = _mm512_maskz_shuffle_i32x4(0xffff, u0, u1, 0x44);
  const __m512i v1 = _mm512_maskz_shuffle_i32x4(0xffff, u2, u3, 0x44);
  const __m512i v2 = _mm512_maskz_shuffle_i32x4(0xffff, u0, u1, 0xee);
  const __m512i v3 = _mm512_maskz_shuffle_i32x4(0xffff, u2, u3, 0xee);
  _mm512_storeu_si512(words, _mm512_maskz_shuffle_i32x4(0xffff, v0, v1, 0x88));
  _mm512_storeu_si512(words + 16, _mm512_maskz_shuffle_i32x4(0xffff, v0, v1, 0xdd));
  _mm512_storeu_si512(words + 32, _mm512_maskz_shuffle_i32x4(0xffff, v2, v3, 0x88));
  _mm512_storeu_si512(words + 48, _mm512_maskz_shuffle_i32x4(0xffff, v2, v3, 0xdd));
}
constexpr int kPhiloxBlock = 16;
#elif defined(__AVX2__)
inline void philox_mulhilo(__m256i a, __m256i m, __m256i& hi, __m256i& lo) {
  const __m256i even = _mm256_mul_epu32(a, m);
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
  const __m256i low = _mm256_set1_epi64x(0xffffffffLL);
  lo = _mm256_or_si256(_mm256_and_si256(even, low), _mm256_slli_epi64(odd, 32));
  hi = _mm256_or_si256(_mm256_srli_epi64(even, 32), _mm256_andnot_si256(low, odd));
}

// 8 counters → 32 words in order.
inline void philox_block(uint32_t* words, uint32_t first, uint32_t position, uint32_t stream, uint32_t k0,
                         uint32_t k1) {
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(sampling::kPhiloxM0));
  const __m256i m1 = _mm256_set1_epi32(static_cast<int>(sampling::kPhiloxM1));
  __m256i c0 = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(first)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  __m256i c1 = _mm256_set1_epi32(static_cast<int>(position));
  __m256i c2 = _mm256_set1_epi32(static_cast<int>(stream));
  __m256i c3 = _mm256_setzero_si256();
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += sampling::kPhiloxW0;
      k1 += sampling::kPhiloxW1;
    }
    __m256i hi0, lo0, hi1, lo1;
    philox_mulhilo(c0, m0, hi0, lo0);
    philox_mulhilo(c2, m1, hi1, lo1);
    c0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), _mm256_set1_epi32(static_cast<int>(k0)));
    c2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), _mm256_set1_epi32(static_cast<int>(k1)));
    c1 = lo1;
    c3 = lo0;
  }
  const __m256i t01lo = _mm256_unpacklo_epi32(c0, c1), t01hi = _mm256_unpackhi_epi32(c0, c1);
  const __m256i t23lo = _mm256_unpacklo_epi32(c2, c3), t23hi = _mm256_unpackhi_epi32(c2, c3);
  const __m256i u0 = _mm256_unpacklo_epi64(t01lo, t23lo), u1 = _mm256_unpackhi_epi64(t01lo, t23lo);
  const __m256i u2 = _mm256_unpacklo_epi64(t01hi, t23hi), u3 = _mm256_unpackhi_epi64(t01hi, t23hi);
  auto* out = reinterpret_cast<__m256i*>(words);
  _mm256_storeu_si256(out, _mm256_permute2x128_si256(u0, u1, 0x20));
  _mm256_storeu_si256(out + 1, _mm256_permute2x128_si256(u2, u3, 0x20));
  _mm256_storeu_si256(out + 2, _mm256_permute2x128_si256(u0, u1, 0x31));
  _mm256_storeu_si256(out + 3, _mm256_permute2x128_si256(u2, u3, 0x31));
}
constexpr int kPhiloxBlock = 8;
#else
constexpr int kPhiloxBlock = 0;
#endif

/// Words of counters first .. first + count - 1 (c1 = position, c2 = stream, c3 = 0), in order.
inline void philox_words(uint32_t* words, uint32_t first, int64_t count, uint32_t position, uint32_t stream,
                         uint32_t k0, uint32_t k1) {
  int64_t t = 0;
#if defined(__AVX512F__) || defined(__AVX2__)
  for (; t + kPhiloxBlock <= count; t += kPhiloxBlock) {
    philox_block(words + 4 * t, first + static_cast<uint32_t>(t), position, stream, k0, k1);
  }
#endif
  for (; t < count; ++t) {
    uint32_t c0 = first + static_cast<uint32_t>(t), c1 = position, c2 = stream, c3 = 0;
    sampling::philox4x32_10(c0, c1, c2, c3, k0, k1);
    words[4 * t] = c0;
    words[4 * t + 1] = c1;
    words[4 * t + 2] = c2;
    words[4 * t + 3] = c3;
  }
}

}  // namespace vllmts::cpu
