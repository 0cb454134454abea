// Sixteen float32 lanes for the CPU attention kernels' hot loops, written with the GCC/Clang
// vector extension so accumulators stay in registers: one AVX-512 register where the target has
// AVX-512, else two AVX or four 128-bit (SSE, NEON) registers. Internal to kernels/cpu/attention*.
#pragma once

#include <cstddef>
#include <cstring>
#include <utility>

// These vectors live in inline code only, never crossing a library boundary, so GCC's note that
// their calling convention differs between targets does not apply.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"

namespace vllmts::cpu::attention_detail {

#if defined(__AVX512F__)
using f32x16 = float __attribute__((vector_size(64)));
#else
#if defined(__AVX__)
using f32_native = float __attribute__((vector_size(32)));
#else
using f32_native = float __attribute__((vector_size(16)));
#endif
// Wider than a register: a few native vectors, so the compiler never spills one wide value.
struct f32x16 {
  static constexpr int kParts = 64 / sizeof(f32_native);
  f32_native part[kParts];

  f32x16& operator+=(const f32x16& other) {
    for (int i = 0; i < kParts; ++i) part[i] += other.part[i];
    return *this;
  }
  friend f32x16 operator*(float scalar, f32x16 v) {
    for (int i = 0; i < kParts; ++i) v.part[i] *= scalar;
    return v;
  }
  friend f32x16 operator*(f32x16 a, const f32x16& b) {
    for (int i = 0; i < kParts; ++i) a.part[i] *= b.part[i];
    return a;
  }
};
#endif
static_assert(sizeof(f32x16) == 16 * sizeof(float), "sixteen packed lanes");

#if defined(__AVX512F__)
inline f32x16 load16(const float* p) {
  f32x16 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline void store16(float* p, f32x16 v) { std::memcpy(p, &v, sizeof(v)); }
#else
// Part by part: one unaligned vector load or store each, never a trip through the stack.
inline f32x16 load16(const float* p) {
  constexpr size_t kLanes = sizeof(f32_native) / sizeof(float);
  f32x16 v;
  for (int i = 0; i < f32x16::kParts; ++i) std::memcpy(&v.part[i], p + i * kLanes, sizeof(f32_native));
  return v;
}

inline void store16(float* p, f32x16 v) {
  constexpr size_t kLanes = sizeof(f32_native) / sizeof(float);
  for (int i = 0; i < f32x16::kParts; ++i) std::memcpy(p + i * kLanes, &v.part[i], sizeof(f32_native));
}
#endif

/// The lanes' sum by a fixed tree (the same bits on every run of one build).
inline float sum16(f32x16 v) {
  float lanes[16];
#if defined(__AVX512F__)
  using f32x8 = float __attribute__((vector_size(32)));
  using f32x4 = float __attribute__((vector_size(16)));
  const f32x8 s8 = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
                   __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
  const f32x4 s4 = __builtin_shufflevector(s8, s8, 0, 1, 2, 3) + __builtin_shufflevector(s8, s8, 4, 5, 6, 7);
  std::memcpy(lanes, &s4, sizeof(s4));
#else
  f32_native total = v.part[0];
  for (int i = 1; i < f32x16::kParts; ++i) total += v.part[i];
  std::memcpy(lanes, &total, sizeof(total));
  for (size_t l = 4; l < sizeof(total) / sizeof(float); ++l) lanes[l % 4] += lanes[l];
#endif
  return (lanes[0] + lanes[2]) + (lanes[1] + lanes[3]);
}

#if defined(__AVX512F__)
namespace transpose_detail {

// One butterfly stage of a 16×16 transpose: rows i and i + K (bit K of i clear) exchange the
// K-wide blocks off the diagonal, i.e. element (r, c) goes to (r ^ K, c ^ K) where the K bits of
// r and c differ. The four stages K = 1, 2, 4, 8 together swap every row and column index.
template <int K, size_t... L>
inline f32x16 stage_low(f32x16 a, f32x16 b, std::index_sequence<L...>) {
  return __builtin_shufflevector(a, b, ((L & K) ? 16 + L - K : L)...);
}
template <int K, size_t... L>
inline f32x16 stage_high(f32x16 a, f32x16 b, std::index_sequence<L...>) {
  return __builtin_shufflevector(a, b, ((L & K) ? 16 + L : L + K)...);
}
template <int K>
inline void stage(f32x16* rows) {
  for (int i = 0; i < 16; ++i) {
    if (i & K) continue;
    const f32x16 a = rows[i], b = rows[i + K];
    rows[i] = stage_low<K>(a, b, std::make_index_sequence<16>{});
    rows[i + K] = stage_high<K>(a, b, std::make_index_sequence<16>{});
  }
}

}  // namespace transpose_detail
#endif

/// dst[c][r] = src[r][c] for a 16×16 block: src rows `src_stride` floats apart, dst rows
/// `dst_stride` apart. With AVX-512, four register shuffle stages instead of 256 scalar moves.
inline void transpose16(const float* src, ptrdiff_t src_stride, float* dst, ptrdiff_t dst_stride) {
#if defined(__AVX512F__)
  f32x16 rows[16];
  for (int i = 0; i < 16; ++i) rows[i] = load16(src + i * src_stride);
  transpose_detail::stage<1>(rows);
  transpose_detail::stage<2>(rows);
  transpose_detail::stage<4>(rows);
  transpose_detail::stage<8>(rows);
  for (int i = 0; i < 16; ++i) store16(dst + i * dst_stride, rows[i]);
#else
  for (int r = 0; r < 16; ++r) {
    for (int c = 0; c < 16; ++c) dst[c * dst_stride + r] = src[r * src_stride + c];
  }
#endif
}

}  // namespace vllmts::cpu::attention_detail

#pragma GCC diagnostic pop
