// Reductions over float32 rows with 16 independent lanes (GCC vector types, compiled to whatever
// the build's -march offers), so they vectorise without reassociation and give the same result on
// every vector width.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace vllmts::cpu {
namespace row_math_detail {

typedef float v16 __attribute__((vector_size(64)));
typedef int32_t v16i __attribute__((vector_size(64)));

inline v16 load(const float* p) {
  v16 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline float fold(v16 v) {
  float total = 0.0f;
  for (int j = 0; j < 16; ++j) total += v[j];
  return total;
}

// Σ f(x[i]) over the row: 16 lanes, then the tail.
template <typename F>
float reduce_sum(const float* x, int64_t n, F f) {
  v16 acc = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) acc += f(load(x + i));
  float total = fold(acc);
  for (; i < n; ++i) {
    v16 one = {};
    one[0] = x[i];
    total += f(one)[0];
  }
  return total;
}

}  // namespace row_math_detail

inline float row_sum(const float* x, int64_t n) {
  return row_math_detail::reduce_sum(x, n, [](row_math_detail::v16 v) { return v; });
}

inline float row_sum_squares(const float* x, int64_t n) {
  return row_math_detail::reduce_sum(x, n, [](row_math_detail::v16 v) { return v * v; });
}

/// Σ (x - shift)² (two-pass variance).
inline float row_sum_squared_deviations(const float* x, int64_t n, float shift) {
  return row_math_detail::reduce_sum(x, n, [shift](row_math_detail::v16 v) { return (v - shift) * (v - shift); });
}

/// The largest value; NaN if any value is NaN; -inf for an empty row.
inline float row_max(const float* x, int64_t n) {
  using row_math_detail::v16;
  using row_math_detail::v16i;
  v16 best = v16{} - INFINITY;
  v16i nan = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const v16 v = row_math_detail::load(x + i);
    nan |= v != v;
    best = v > best ? v : best;
  }
  float result = -INFINITY;
  bool any_nan = false;
  for (int j = 0; j < 16; ++j) {
    result = best[j] > result ? best[j] : result;
    any_nan |= nan[j] != 0;
  }
  for (; i < n; ++i) {
    any_nan |= x[i] != x[i];
    result = x[i] > result ? x[i] : result;
  }
  return any_nan ? NAN : result;
}

}  // namespace vllmts::cpu
