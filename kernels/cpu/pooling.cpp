#include "cpu/pooling.h"

#include <algorithm>
#include <cmath>

#include "cpu/float_rows.h"
#include "cpu/parallel.h"
#include "cpu/row_math.h"

namespace vllmts::cpu {

int64_t first_bad_range(const int32_t* start_loc, int64_t sequences, int64_t tokens) {
  if (start_loc[0] < 0) return 0;
  for (int64_t s = 0; s < sequences; ++s) {
    if (start_loc[s + 1] <= start_loc[s] || start_loc[s + 1] > tokens) return s + 1;
  }
  return -1;
}

Status mean_pool(const void* x, DType x_dtype, int64_t hidden, const int32_t* start_loc, int64_t sequences,
                 void* out, DType out_dtype) {
  if (hidden < 0 || sequences < 0) return Status::kInvalidArgument;
  if (!is_dense_float(x_dtype) || !is_dense_float(out_dtype)) return Status::kUnsupportedDType;
  parallel_for(sequences, 1, [&](int64_t begin, int64_t end) {
    float* sum = thread_scratch<float, 0>(hidden);
    float* line = thread_scratch<float, 1>(hidden);
    for (int64_t s = begin; s < end; ++s) {
      std::fill(sum, sum + hidden, 0.0f);
      for (int64_t t = start_loc[s]; t < start_loc[s + 1]; ++t) {
        load_f32(x, x_dtype, t * hidden, hidden, line);
        for (int64_t i = 0; i < hidden; ++i) sum[i] += line[i];
      }
      const float count = static_cast<float>(start_loc[s + 1] - start_loc[s]);
      for (int64_t i = 0; i < hidden; ++i) sum[i] /= count;
      store_f32(sum, hidden, out, out_dtype, s * hidden);
    }
  });
  return Status::kOk;
}

Status l2_normalize(const void* x, DType x_dtype, void* out, DType out_dtype, int64_t rows, int64_t cols) {
  if (rows < 0 || cols < 0) return Status::kInvalidArgument;
  if (!is_dense_float(x_dtype) || !is_dense_float(out_dtype)) return Status::kUnsupportedDType;
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 15) / std::max<int64_t>(cols, 1));
  parallel_for(rows, grain, [&](int64_t begin, int64_t end) {
    float* line = thread_scratch<float, 0>(cols);
    for (int64_t r = begin; r < end; ++r) {
      load_f32(x, x_dtype, r * cols, cols, line);
      const float norm = std::sqrt(row_sum_squares(line, cols));
      const float denominator = std::max(norm, 1e-12f);
      for (int64_t i = 0; i < cols; ++i) line[i] /= denominator;
      store_f32(line, cols, out, out_dtype, r * cols);
    }
  });
  return Status::kOk;
}

}  // namespace vllmts::cpu
