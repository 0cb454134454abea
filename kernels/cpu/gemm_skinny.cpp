#include "cpu/gemm_skinny.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu/float_rows.h"
#include "cpu/parallel.h"

namespace vllmts::cpu {
namespace {

// GCC vector types: 16 floats, compiled to whatever the build's -march offers (one zmm on
// AVX-512, two ymm on AVX2).
typedef float v16 __attribute__((vector_size(64)));

constexpr int kRows = 4;       // weight rows per block
constexpr int kGroup = 4;      // rows of x per register tile (4 × 4 accumulators)
constexpr int64_t kChunk = 512;  // k values per step: 4 weight rows + the x rows stay in L1

inline v16 load16(const float* p) {
  v16 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// Loads into a register the compiler must keep: without this GCC folds the load into every FMA
// that uses the value, doubling the loads per FMA and halving the kernel's speed. Only with
// AVX-512 does a 16-float vector fit one register; elsewhere the pin is left out.
inline void pin_register(v16& v) {
#if defined(__AVX512F__)
  asm("" : "+v"(v));
#else
  (void)v;
#endif
}

inline v16 load16_pinned(const float* p) {
  v16 v = load16(p);
  pin_register(v);
  return v;
}

// 16 bfloat16 values widened to float32 in registers (bf16 is the top half of a float32).
inline v16 load16_pinned(const uint16_t* p) {
  typedef uint16_t v16h __attribute__((vector_size(32)));
  typedef uint32_t v16u __attribute__((vector_size(64)));
  v16h h;
  std::memcpy(&h, p, sizeof(h));
  v16 v = reinterpret_cast<v16>(__builtin_convertvector(h, v16u) << 16);
  pin_register(v);
  return v;
}

inline float hsum(v16 v) {
  float lanes[16];
  std::memcpy(lanes, &v, sizeof(lanes));
  for (int width = 8; width > 0; width /= 2) {
    for (int i = 0; i < width; ++i) lanes[i] += lanes[i + width];
  }
  return lanes[0];
}

// acc[r][g] += w[r][0, len) · x[g][0, len) elementwise, in 16-lane partial sums; len % 16 == 0.
// W is float (float32 or staged weights) or uint16_t (bfloat16 weights read in place).
template <int G, typename W>
void accumulate(int64_t len, const W* const* w, const float* const* x, v16 (*acc)[kGroup]) {
  v16 sum[kRows][G];
  for (int r = 0; r < kRows; ++r) {
    for (int g = 0; g < G; ++g) sum[r][g] = acc[r][g];
  }
  for (int64_t i = 0; i < len; i += 16) {
    v16 xv[G];
#pragma GCC unroll 4
    for (int g = 0; g < G; ++g) xv[g] = load16_pinned(x[g] + i);
#pragma GCC unroll 4
    for (int r = 0; r < kRows; ++r) {
      const v16 wv = load16_pinned(w[r] + i);
#pragma GCC unroll 4
      for (int g = 0; g < G; ++g) sum[r][g] += wv * xv[g];
    }
  }
  for (int r = 0; r < kRows; ++r) {
    for (int g = 0; g < G; ++g) acc[r][g] = sum[r][g];
  }
}

template <typename W>
void accumulate_group(int group, int64_t len, const W* const* w, const float* const* x, v16 (*acc)[kGroup]) {
  switch (group) {
    case 1: accumulate<1>(len, w, x, acc); return;
    case 2: accumulate<2>(len, w, x, acc); return;
    case 3: accumulate<3>(len, w, x, acc); return;
    default: accumulate<4>(len, w, x, acc); return;
  }
}

struct Skinny {
  const GemmArgs& g;
  const float* x;  // [m, kp] float32, zero-padded to kp = round_up(k, 16)
  int64_t kp;

  // out[:, n0 .. n0 + rows) for one block of weight rows.
  void block(int64_t n0, int rows, std::vector<float>& staging, std::vector<v16>& sums) const {
    const int64_t groups = (g.m + kGroup - 1) / kGroup;
    sums.assign(static_cast<size_t>(groups * kRows * kGroup), v16{});
    auto* acc = reinterpret_cast<v16(*)[kRows][kGroup]>(sums.data());
    for (int64_t k0 = 0; k0 < g.k; k0 += kChunk) {
      const int64_t len = std::min(kChunk, g.k - k0);
      const int64_t padded = (len + 15) & ~int64_t{15};
      // Whole chunks of float32 or bfloat16 weights are read in place; float16 weights and the
      // ragged last chunk are staged as zero-padded float32.
      const bool in_place = padded == len && g.w_dtype != DType::kFloat16;
      const float* w[kRows];
      const uint16_t* w16[kRows];
      for (int r = 0; r < kRows; ++r) {
        const int64_t row = n0 + std::min(r, rows - 1);  // a short last block repeats its last row
        if (in_place) {
          w[r] = static_cast<const float*>(g.w) + row * g.k + k0;
          w16[r] = static_cast<const uint16_t*>(g.w) + row * g.k + k0;
          continue;
        }
        float* dst = staging.data() + r * kChunk;
        load_f32(g.w, g.w_dtype, row * g.k + k0, len, dst);
        std::fill(dst + len, dst + padded, 0.0f);
        w[r] = dst;
      }
      const bool bf16 = in_place && g.w_dtype == DType::kBFloat16;
      for (int64_t gi = 0; gi < groups; ++gi) {
        const int group = static_cast<int>(std::min<int64_t>(kGroup, g.m - gi * kGroup));
        const float* xs[kGroup];
        for (int i = 0; i < kGroup; ++i) xs[i] = x + (gi * kGroup + std::min(i, group - 1)) * kp + k0;
        if (bf16) {
          accumulate_group(group, padded, w16, xs, acc[gi]);
        } else {
          accumulate_group(group, padded, w, xs, acc[gi]);
        }
      }
    }
    float bias[kRows] = {};
    if (g.bias != nullptr) {
      for (int r = 0; r < rows; ++r) bias[r] = load_one(g.bias, g.bias_dtype, n0 + r);
    }
    float column[kRows];
    for (int64_t m = 0; m < g.m; ++m) {
      for (int r = 0; r < rows; ++r) column[r] = hsum(acc[m / kGroup][r][m % kGroup]) + bias[r];
      store_f32(column, rows, g.out, g.out_dtype, m * g.n + n0);
    }
  }
};

}  // namespace

Status gemm_skinny(const GemmArgs& g) {
  const int64_t kp = (g.k + 15) & ~int64_t{15};
  std::vector<float> x(static_cast<size_t>(g.m * kp), 0.0f);
  for (int64_t m = 0; m < g.m; ++m) load_f32(g.x, g.x_dtype, m * g.k, g.k, x.data() + m * kp);
  const Skinny skinny{g, x.data(), kp};
  // Chunks of at least ~64 KiB of float32 weights, so threads are not woken for crumbs.
  const int64_t blocks = (g.n + kRows - 1) / kRows;
  const int64_t grain = std::max<int64_t>(1, 4096 / std::max<int64_t>(g.k, 1));
  parallel_for(blocks, grain, [&](int64_t begin, int64_t end) {
    thread_local std::vector<float> staging;
    thread_local std::vector<v16> sums;
    staging.resize(static_cast<size_t>(kRows * kChunk));
    for (int64_t b = begin; b < end; ++b) {
      skinny.block(b * kRows, static_cast<int>(std::min<int64_t>(kRows, g.n - b * kRows)), staging, sums);
    }
  });
  return Status::kOk;
}

}  // namespace vllmts::cpu
