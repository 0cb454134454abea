#include "cpu/rotary.h"

#include <algorithm>
#include <vector>

#include "cpu/float_rows.h"
#include "cpu/parallel.h"

namespace vllmts::cpu {
namespace {

int64_t position_at(const void* positions, DType dtype, int64_t i) {
  return dtype == DType::kInt64 ? static_cast<const int64_t*>(positions)[i]
                                : static_cast<const int32_t*>(positions)[i];
}

// Rotates the first rotary_dim values of `heads` consecutive heads starting at element `offset`.
void rotate_heads(const RotaryArgs& a, void* base, int64_t offset, int64_t heads, const float* cos,
                  const float* sin, float* line) {
  const int64_t half = a.rotary_dim / 2;
  for (int64_t h = 0; h < heads; ++h) {
    const int64_t start = offset + h * a.head_size;
    load_f32(base, a.dtype, start, a.rotary_dim, line);
    if (a.neox) {
      for (int64_t i = 0; i < half; ++i) {
        const float x1 = line[i];
        const float x2 = line[i + half];
        line[i] = x1 * cos[i] - x2 * sin[i];
        line[i + half] = x2 * cos[i] + x1 * sin[i];
      }
    } else {
      for (int64_t i = 0; i < half; ++i) {
        const float x1 = line[2 * i];
        const float x2 = line[2 * i + 1];
        line[2 * i] = x1 * cos[i] - x2 * sin[i];
        line[2 * i + 1] = x2 * cos[i] + x1 * sin[i];
      }
    }
    store_f32(line, a.rotary_dim, base, a.dtype, start);
  }
}

}  // namespace

int64_t first_bad_position(const void* positions, DType dtype, int64_t n, int64_t max_positions) {
  for (int64_t i = 0; i < n; ++i) {
    const int64_t p = position_at(positions, dtype, i);
    if (p < 0 || p >= max_positions) return i;
  }
  return -1;
}

Status rotary_embedding(const RotaryArgs& a, const void* positions, DType positions_dtype, void* q, void* k) {
  if (a.tokens < 0 || a.q_heads < 0 || a.k_heads < 0 || a.rotary_dim <= 0 || a.rotary_dim % 2 != 0 ||
      a.rotary_dim > a.head_size) {
    return Status::kInvalidArgument;
  }
  if (!is_dense_float(a.dtype) || (positions_dtype != DType::kInt32 && positions_dtype != DType::kInt64)) {
    return Status::kUnsupportedDType;
  }
  const int64_t per_token = (a.q_heads + a.k_heads) * a.head_size;
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 14) / std::max<int64_t>(per_token, 1));
  parallel_for(a.tokens, grain, [&](int64_t begin, int64_t end) {
    std::vector<float> line(static_cast<size_t>(a.rotary_dim));
    for (int64_t t = begin; t < end; ++t) {
      const float* cos = a.cos_sin + position_at(positions, positions_dtype, t) * a.rotary_dim;
      const float* sin = cos + a.rotary_dim / 2;
      rotate_heads(a, q, t * a.q_heads * a.head_size, a.q_heads, cos, sin, line.data());
      if (k != nullptr) rotate_heads(a, k, t * a.k_heads * a.head_size, a.k_heads, cos, sin, line.data());
    }
  });
  return Status::kOk;
}

}  // namespace vllmts::cpu
