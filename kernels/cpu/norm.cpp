#include "cpu/norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu/float_rows.h"
#include "cpu/parallel.h"
#include "cpu/row_math.h"

namespace vllmts::cpu {
namespace {

// Rows per task: at least ~32K elements, so small batches stay on the calling thread.
int64_t row_grain(int64_t hidden) { return std::max<int64_t>(1, (int64_t{1} << 15) / std::max<int64_t>(hidden, 1)); }

std::vector<float> widen(const void* src, DType dtype, int64_t n) {
  std::vector<float> out(static_cast<size_t>(n));
  load_f32(src, dtype, 0, n, out.data());
  return out;
}

Status check(const NormArgs& a) {
  if (a.rows < 0 || a.hidden <= 0) return Status::kInvalidArgument;
  if (!is_dense_float(a.dtype) || !is_dense_float(a.weight_dtype)) return Status::kUnsupportedDType;
  return Status::kOk;
}

// line = line / rms(line) · w, in place, with the rounding of the chosen form.
void rms_normalize(const NormArgs& a, const float* weight, float* line) {
  const float mean_square = row_sum_squares(line, a.hidden) / static_cast<float>(a.hidden);
  const float inv = 1.0f / std::sqrt(mean_square + a.eps);
  if (a.gemma) {
    for (int64_t i = 0; i < a.hidden; ++i) line[i] = line[i] * inv * (1.0f + weight[i]);
    return;
  }
  for (int64_t i = 0; i < a.hidden; ++i) line[i] *= inv;
  round_through(a.dtype, line, a.hidden);
  for (int64_t i = 0; i < a.hidden; ++i) line[i] *= weight[i];
}

}  // namespace

Status rms_norm(const NormArgs& a, const void* x, void* out) {
  if (const Status status = check(a); status != Status::kOk) return status;
  const std::vector<float> weight = widen(a.weight, a.weight_dtype, a.hidden);
  parallel_for(a.rows, row_grain(a.hidden), [&](int64_t begin, int64_t end) {
    float* line = thread_scratch<float, 0>(a.hidden);
    for (int64_t r = begin; r < end; ++r) {
      load_f32(x, a.dtype, r * a.hidden, a.hidden, line);
      rms_normalize(a, weight.data(), line);
      store_f32(line, a.hidden, out, a.dtype, r * a.hidden);
    }
  });
  return Status::kOk;
}

Status fused_add_rms_norm(const NormArgs& a, void* x, void* residual) {
  if (const Status status = check(a); status != Status::kOk) return status;
  const std::vector<float> weight = widen(a.weight, a.weight_dtype, a.hidden);
  parallel_for(a.rows, row_grain(a.hidden), [&](int64_t begin, int64_t end) {
    float* line = thread_scratch<float, 0>(a.hidden);
    float* other = thread_scratch<float, 1>(a.hidden);
    for (int64_t r = begin; r < end; ++r) {
      load_f32(x, a.dtype, r * a.hidden, a.hidden, line);
      load_f32(residual, a.dtype, r * a.hidden, a.hidden, other);
      for (int64_t i = 0; i < a.hidden; ++i) line[i] += other[i];
      // The sum is stored in the dtype, and the norm reads that stored value.
      store_f32(line, a.hidden, residual, a.dtype, r * a.hidden);
      round_through(a.dtype, line, a.hidden);
      rms_normalize(a, weight.data(), line);
      store_f32(line, a.hidden, x, a.dtype, r * a.hidden);
    }
  });
  return Status::kOk;
}

Status layer_norm(const NormArgs& a, const void* x, const void* bias, DType bias_dtype, void* out) {
  if (const Status status = check(a); status != Status::kOk) return status;
  if (bias != nullptr && !is_dense_float(bias_dtype)) return Status::kUnsupportedDType;
  const std::vector<float> weight = widen(a.weight, a.weight_dtype, a.hidden);
  const std::vector<float> shift =
      bias != nullptr ? widen(bias, bias_dtype, a.hidden) : std::vector<float>(static_cast<size_t>(a.hidden), 0.0f);
  parallel_for(a.rows, row_grain(a.hidden), [&](int64_t begin, int64_t end) {
    float* line = thread_scratch<float, 0>(a.hidden);
    for (int64_t r = begin; r < end; ++r) {
      load_f32(x, a.dtype, r * a.hidden, a.hidden, line);
      const float n = static_cast<float>(a.hidden);
      const float mean = row_sum(line, a.hidden) / n;
      const float variance = row_sum_squared_deviations(line, a.hidden, mean) / n;
      const float inv = 1.0f / std::sqrt(variance + a.eps);
      for (int64_t i = 0; i < a.hidden; ++i) line[i] = (line[i] - mean) * inv * weight[i] + shift[i];
      store_f32(line, a.hidden, out, a.dtype, r * a.hidden);
    }
  });
  return Status::kOk;
}

}  // namespace vllmts::cpu
