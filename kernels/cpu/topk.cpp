#include "cpu/topk.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "cpu/float_rows.h"
#include "cpu/parallel.h"
#include "cpu/row_math.h"

namespace vllmts::cpu {
namespace {

int64_t row_grain(int64_t cols) { return std::max<int64_t>(1, (int64_t{1} << 15) / std::max<int64_t>(cols, 1)); }

// The first index holding the row's maximum (its first NaN if it has one).
int32_t first_max(const float* line, int64_t cols) {
  const float max = row_max(line, cols);
  if (std::isnan(max)) {
    for (int64_t i = 0; i < cols; ++i) {
      if (std::isnan(line[i])) return static_cast<int32_t>(i);
    }
  }
  for (int64_t i = 0; i < cols; ++i) {
    if (line[i] == max) return static_cast<int32_t>(i);
  }
  return 0;
}

}  // namespace

Status argmax(const void* x, DType x_dtype, int64_t rows, int64_t cols, int32_t* out) {
  if (rows < 0 || cols <= 0 || cols > INT32_MAX) return Status::kInvalidArgument;
  if (!is_dense_float(x_dtype)) return Status::kUnsupportedDType;
  parallel_for(rows, row_grain(cols), [&](int64_t begin, int64_t end) {
    float* line = thread_scratch<float, 0>(cols);
    for (int64_t r = begin; r < end; ++r) {
      load_f32(x, x_dtype, r * cols, cols, line);
      out[r] = first_max(line, cols);
    }
  });
  return Status::kOk;
}

Status topk(const void* x, DType x_dtype, int64_t rows, int64_t cols, int64_t k, void* values, DType values_dtype,
            int32_t* indices) {
  if (rows < 0 || k < 0 || k > cols || cols > INT32_MAX) return Status::kInvalidArgument;
  if (!is_dense_float(x_dtype) || !is_dense_float(values_dtype)) return Status::kUnsupportedDType;
  if (k == 0) return Status::kOk;
  parallel_for(rows, row_grain(cols), [&](int64_t begin, int64_t end) {
    float* line = thread_scratch<float, 0>(cols);
    int32_t* order = thread_scratch<int32_t, 1>(cols);
    float* picked = thread_scratch<float, 2>(k);
    for (int64_t r = begin; r < end; ++r) {
      load_f32(x, x_dtype, r * cols, cols, line);
      const float* v = line;
      // A strict weak order: NaN first (by index), then larger values, then lower index.
      const auto before = [v](int32_t a, int32_t b) {
        const bool na = std::isnan(v[a]);
        const bool nb = std::isnan(v[b]);
        if (na || nb) return na && nb ? a < b : na;
        return v[a] != v[b] ? v[a] > v[b] : a < b;
      };
      std::iota(order, order + cols, 0);
      std::partial_sort(order, order + k, order + cols, before);
      for (int64_t j = 0; j < k; ++j) {
        picked[j] = v[order[j]];
        indices[r * k + j] = order[j];
      }
      store_f32(picked, k, values, values_dtype, r * k);
    }
  });
  return Status::kOk;
}

}  // namespace vllmts::cpu
