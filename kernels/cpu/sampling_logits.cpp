// The logits-processing kernels of the sampler: sparse masks and biases, allowed-token lists,
// penalties, temperature and min-p. All modify float32 logits in place.
#include <cmath>
#include <limits>
#include <vector>

#include "cpu/parallel.h"
#include "cpu/sampling.h"
#include "cpu/sampling_math.h"

namespace vllmts::cpu {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

bool coo_in_range(int64_t num_rows, int64_t vocab, const int32_t* rows, const int32_t* tokens, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    if (rows[i] < 0 || rows[i] >= num_rows || tokens[i] < 0 || tokens[i] >= vocab) return false;
  }
  return true;
}

bool csr_in_range(int64_t num_rows, int64_t vocab, const int32_t* row_ids, const int32_t* offsets, int64_t num_lists,
                  const int32_t* tokens, int64_t count) {
  if (num_lists > 0 && offsets[0] != 0) return false;
  for (int64_t l = 0; l < num_lists; ++l) {
    if (row_ids[l] < 0 || row_ids[l] >= num_rows) return false;
    if (offsets[l + 1] < offsets[l] || offsets[l + 1] > count) return false;
  }
  for (int64_t i = 0; i < count; ++i) {
    if (tokens[i] < 0 || tokens[i] >= vocab) return false;
  }
  return true;
}

}  // namespace

Status sampling_mask_tokens(float* logits, int64_t num_rows, int64_t vocab, const int32_t* rows,
                            const int32_t* tokens, int64_t count) {
  if (num_rows < 0 || vocab < 0 || count < 0) return Status::kInvalidArgument;
  if (!coo_in_range(num_rows, vocab, rows, tokens, count)) return Status::kInvalidArgument;
  for (int64_t i = 0; i < count; ++i) logits[rows[i] * vocab + tokens[i]] = kNegInf;
  return Status::kOk;
}

Status sampling_add_bias(float* logits, int64_t num_rows, int64_t vocab, const int32_t* rows, const int32_t* tokens,
                         const float* bias, int64_t count) {
  if (num_rows < 0 || vocab < 0 || count < 0) return Status::kInvalidArgument;
  if (!coo_in_range(num_rows, vocab, rows, tokens, count)) return Status::kInvalidArgument;
  for (int64_t i = 0; i < count; ++i) logits[rows[i] * vocab + tokens[i]] += bias[i];
  return Status::kOk;
}

Status sampling_keep_tokens(float* logits, int64_t num_rows, int64_t vocab, const int32_t* row_ids,
                            const int32_t* offsets, int64_t num_lists, const int32_t* tokens, int64_t count) {
  if (num_rows < 0 || vocab < 0 || num_lists < 0 || count < 0) return Status::kInvalidArgument;
  if (!csr_in_range(num_rows, vocab, row_ids, offsets, num_lists, tokens, count)) return Status::kInvalidArgument;
  for (int64_t l = 0; l < num_lists; ++l) {
    for (int32_t i = offsets[l] + 1; i < offsets[l + 1]; ++i) {
      if (tokens[i] < tokens[i - 1]) return Status::kInvalidArgument;
    }
  }
  parallel_for(num_lists, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> kept;
    for (int64_t l = begin; l < end; ++l) {
      float* row = logits + row_ids[l] * vocab;
      const int32_t* list = tokens + offsets[l];
      const int64_t n = offsets[l + 1] - offsets[l];
      kept.resize(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) kept[i] = row[list[i]];
      for (int64_t v = 0; v < vocab; ++v) row[v] = kNegInf;
      for (int64_t i = 0; i < n; ++i) row[list[i]] = kept[i];
    }
  });
  return Status::kOk;
}

Status sampling_apply_penalties(float* logits, int64_t num_rows, int64_t vocab, const int32_t* row_ids,
                                const int32_t* offsets, int64_t num_lists, const int32_t* tokens,
                                const int32_t* output_counts, int64_t count, const float* repetition,
                                const float* frequency, const float* presence) {
  if (num_rows < 0 || vocab < 0 || num_lists < 0 || count < 0) return Status::kInvalidArgument;
  if (!csr_in_range(num_rows, vocab, row_ids, offsets, num_lists, tokens, count)) return Status::kInvalidArgument;
  for (int64_t i = 0; i < count; ++i) {
    if (output_counts[i] < 0) return Status::kInvalidArgument;
  }
  parallel_for(num_lists, 16, [&](int64_t begin, int64_t end) {
    for (int64_t l = begin; l < end; ++l) {
      float* row = logits + row_ids[l] * vocab;
      const float rep = repetition[l], freq = frequency[l], pres = presence[l];
      for (int32_t i = offsets[l]; i < offsets[l + 1]; ++i) {
        float x = row[tokens[i]];
        x = x > 0.0f ? x / rep : x * rep;
        const int32_t n = output_counts[i];
        x -= freq * static_cast<float>(n);
        x -= n > 0 ? pres : 0.0f;
        row[tokens[i]] = x;
      }
    }
  });
  return Status::kOk;
}

Status sampling_apply_temperature(float* logits, int64_t num_rows, int64_t vocab, const float* temperature) {
  if (num_rows < 0 || vocab < 0) return Status::kInvalidArgument;
  parallel_for(num_rows, 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float t = temperature[r];
      if (t < kGreedyTemperature || t == 1.0f) continue;  // greedy rows keep their logits
      float* row = logits + r * vocab;
      for (int64_t v = 0; v < vocab; ++v) row[v] /= t;
    }
  });
  return Status::kOk;
}

Status sampling_apply_min_p(float* logits, int64_t num_rows, int64_t vocab, const float* min_p) {
  if (num_rows < 0 || vocab < 0) return Status::kInvalidArgument;
  parallel_for(num_rows, 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      if (!(min_p[r] > 0.0f)) continue;
      float* row = logits + r * vocab;
      const float m = row_max(row, vocab);
      if (!std::isfinite(m)) continue;
      // p_i < min_p · p_max  ⇔  exp(x_i - m) < min_p  ⇔  x_i < m + log(min_p).
      const float threshold = m + std::log(min_p[r]);
      for (int64_t v = 0; v < vocab; ++v) row[v] = row[v] < threshold ? kNegInf : row[v];
    }
  });
  return Status::kOk;
}

}  // namespace vllmts::cpu
