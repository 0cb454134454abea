// The inner loops of the CPU attention tile over one chunk of keys in float32: scores (q·k) and
// the value accumulation (Σ p·v), written with 16-lane vectors so accumulators stay in registers.
// Internal to kernels/cpu/attention*.
#pragma once

#include <cstdint>

#include "cpu/attention_vec.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"  // see attention_vec.h

namespace vllmts::cpu::attention_detail {

/// Keys per chunk: scores of one row fit two AVX-512 registers.
constexpr int64_t kKeyChunk = 32;

// Asks for the cache lines of `count` elements of `element_bytes` each at element `offset`.
inline void prefetch_row(const void* base, int64_t offset, int64_t count, int64_t element_bytes) {
  const char* p = static_cast<const char*>(base) + offset * element_bytes;
  for (int64_t b = 0; b < count * element_bytes; b += 64) __builtin_prefetch(p + b);
}

// scores[r][0..kKeyChunk) = q_r · kt[·][j] over transposed keys: four rows at a time, eight
// accumulators in registers, each key column loaded once per four rows.
inline void chunk_scores(const float* q, int64_t rows, int64_t head_size, const float* kt, float* scores) {
  static_assert(kKeyChunk == 32, "two 16-lane vectors per row");
  int64_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    f32x16 a0{}, a1{}, b0{}, b1{}, c0{}, c1{}, e0{}, e1{};
    const float* q0 = q + r * head_size;
    for (int64_t d = 0; d < head_size; ++d) {
      const f32x16 k0 = load16(kt + d * kKeyChunk);
      const f32x16 k1 = load16(kt + d * kKeyChunk + 16);
      const float qa = q0[d], qb = q0[head_size + d], qc = q0[2 * head_size + d], qe = q0[3 * head_size + d];
      a0 += qa * k0;
      a1 += qa * k1;
      b0 += qb * k0;
      b1 += qb * k1;
      c0 += qc * k0;
      c1 += qc * k1;
      e0 += qe * k0;
      e1 += qe * k1;
    }
    float* s = scores + r * kKeyChunk;
    store16(s, a0);
    store16(s + 16, a1);
    store16(s + 32, b0);
    store16(s + 48, b1);
    store16(s + 64, c0);
    store16(s + 80, c1);
    store16(s + 96, e0);
    store16(s + 112, e1);
  }
  for (; r < rows; ++r) {
    f32x16 a0{}, a1{};
    for (int64_t d = 0; d < head_size; ++d) {
      const float qa = q[r * head_size + d];
      a0 += qa * load16(kt + d * kKeyChunk);
      a1 += qa * load16(kt + d * kKeyChunk + 16);
    }
    store16(scores + r * kKeyChunk, a0);
    store16(scores + r * kKeyChunk + 16, a1);
  }
}

/// kt[d][j] = k[j][d] for a chunk of kKeyChunk row-major keys of `head_size` floats.
inline void transpose_keys(const float* k, int64_t head_size, float* kt) {
  int64_t d0 = 0;
  for (; d0 + 16 <= head_size; d0 += 16) {
    for (int64_t j0 = 0; j0 < kKeyChunk; j0 += 16) {
      transpose16(k + j0 * head_size + d0, head_size, kt + d0 * kKeyChunk + j0, kKeyChunk);
    }
  }
  for (; d0 < head_size; ++d0) {
    for (int64_t j = 0; j < kKeyChunk; ++j) kt[d0 * kKeyChunk + j] = k[j * head_size + d0];
  }
}

// a · b in 16 lanes summed by a fixed tree (the same bits every run).
inline float dot(const float* a, const float* b, int64_t n) {
  f32x16 lanes{};
  int64_t d = 0;
  for (; d + 16 <= n; d += 16) lanes += load16(a + d) * load16(b + d);
  float tail = 0.0f;
  for (; d < n; ++d) tail += a[d] * b[d];
  return sum16(lanes) + tail;
}

// scores[r][j] = q_r · k_j over row-major keys: cheaper than transposing for a few rows (decode).
inline void chunk_scores_rows(const float* q, int64_t rows, int64_t head_size, const float* k, int64_t n,
                              float* scores) {
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < n; ++j) scores[r * kKeyChunk + j] = dot(q + r * head_size, k + j * head_size, head_size);
  }
}

// acc[0..64) += Σ_j p[j]·v[j][d0..d0+64): four independent accumulators in registers, so the
// key loop runs at FMA throughput rather than latency.
inline void accumulate_values64(const float* p, int64_t a, int64_t b, const float* v, int64_t head_size,
                                float* acc) {
  f32x16 a0 = load16(acc), a1 = load16(acc + 16), a2 = load16(acc + 32), a3 = load16(acc + 48);
  for (int64_t j = a; j < b; ++j) {
    const float* vj = v + j * head_size;
    const float pj = p[j];
    a0 += pj * load16(vj);
    a1 += pj * load16(vj + 16);
    a2 += pj * load16(vj + 32);
    a3 += pj * load16(vj + 48);
  }
  store16(acc, a0);
  store16(acc + 16, a1);
  store16(acc + 32, a2);
  store16(acc + 48, a3);
}

inline void accumulate_values16(const float* p, int64_t a, int64_t b, const float* v, int64_t head_size,
                                float* acc) {
  f32x16 a0 = load16(acc);
  for (int64_t j = a; j < b; ++j) a0 += p[j] * load16(v + j * head_size);
  store16(acc, a0);
}

}  // namespace vllmts::cpu::attention_detail

#pragma GCC diagnostic pop
