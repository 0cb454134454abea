#include "cpu/softmax.h"

#include <algorithm>
#include <cmath>

#include "cpu/float_rows.h"
#include "cpu/parallel.h"
#include "cpu/row_math.h"
#include "cpu/vec_math.h"

namespace vllmts::cpu {

Status softmax(const void* x, DType x_dtype, void* out, DType out_dtype, int64_t rows, int64_t cols, bool log) {
  if (rows < 0 || cols < 0) return Status::kInvalidArgument;
  if (!is_dense_float(x_dtype) || !is_dense_float(out_dtype)) return Status::kUnsupportedDType;
  if (cols == 0) return Status::kOk;
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 15) / cols);
  parallel_for(rows, grain, [&](int64_t begin, int64_t end) {
    float* line = thread_scratch<float, 0>(cols);
    float* shifted = thread_scratch<float, 1>(cols);
    for (int64_t r = begin; r < end; ++r) {
      load_f32(x, x_dtype, r * cols, cols, line);
      const float max = row_max(line, cols);
      for (int64_t i = 0; i < cols; ++i) {
        shifted[i] = line[i] - max;
        line[i] = exp_f32(shifted[i]);
      }
      const float sum = row_sum(line, cols);
      if (log) {
        const float log_sum = std::log(sum);
        for (int64_t i = 0; i < cols; ++i) line[i] = shifted[i] - log_sum;
      } else {
        const float inv = 1.0f / sum;
        for (int64_t i = 0; i < cols; ++i) line[i] *= inv;
      }
      store_f32(line, cols, out, out_dtype, r * cols);
    }
  });
  return Status::kOk;
}

}  // namespace vllmts::cpu
