// Logprob kernels of the sampler (log-softmax of chosen rows; top-k, the chosen token's logprob
// and rank) and the raw Philox generator, which tests check against the Random123 vectors.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu/parallel.h"
#include "cpu/sampling.h"
#include "cpu/sampling_math.h"
#include "cpu/sampling_philox.h"
#include "cpu/sampling_truncation.h"

namespace vllmts::cpu {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// The k largest entries of x in descending order, ties by lower index: the k-th largest value
// bounds the few indices worth sorting.
void top_k_sorted(const float* x, int64_t vocab, int64_t k, std::vector<float>& values, std::vector<int32_t>& order) {
  order.clear();
  if (k <= 0) return;
  const float kth = kth_largest(x, vocab, k, values);
  for (int64_t i = 0; i < vocab; ++i) {
    const float v = x[i] == x[i] ? x[i] : kNegInf;
    if (v >= kth) order.push_back(static_cast<int32_t>(i));
  }
  const auto value = [x](int32_t i) { return x[i] == x[i] ? x[i] : kNegInf; };
  const auto before = [&](int32_t a, int32_t b) { return value(a) > value(b) || (value(a) == value(b) && a < b); };
  std::partial_sort(order.begin(), order.begin() + k, order.end(), before);
  order.resize(static_cast<size_t>(k));
}

}  // namespace

Status sampling_log_softmax_rows(float* out, const float* logits, int64_t num_rows, int64_t vocab,
                                 const int32_t* rows, int64_t num_out) {
  if (num_rows < 0 || vocab < 0 || num_out < 0) return Status::kInvalidArgument;
  for (int64_t j = 0; j < num_out; ++j) {
    if (rows[j] < 0 || rows[j] >= num_rows) return Status::kInvalidArgument;
  }
  parallel_for(num_out, 1, [&](int64_t begin, int64_t end) {
    for (int64_t j = begin; j < end; ++j) {
      const float* x = logits + static_cast<int64_t>(rows[j]) * vocab;
      float* y = out + j * vocab;
      const float m = row_max(x, vocab);
      if (!(m > kNegInf && m < std::numeric_limits<float>::infinity())) {
        // No finite maximum: the distribution is undefined (all -inf) or degenerate (+inf).
        for (int64_t v = 0; v < vocab; ++v) y[v] = x[v] == m && m > kNegInf ? 0.0f : kNegInf;
        continue;
      }
      double total = 0.0;
      alignas(64) float weight[1024];
      for (int64_t base = 0; base < vocab; base += 1024) {
        const int64_t n = std::min<int64_t>(1024, vocab - base);
        for (int64_t v = 0; v < n; ++v) weight[v] = exp_approx(x[base + v] - m);
        total += row_sum(weight, n);
      }
      const float shift = m + static_cast<float>(std::log(total));
      for (int64_t v = 0; v < vocab; ++v) y[v] = x[v] - shift;
    }
  });
  return Status::kOk;
}

Status sampling_gather_logprobs(int32_t* top_ids, float* top_logprobs, int64_t max_k, float* token_logprob,
                                int32_t* token_rank, const float* logprobs, int64_t num_rows, int64_t vocab,
                                const int32_t* num_topk, const int32_t* token_ids, int64_t num_token_ids,
                                const int32_t* token_index) {
  if (num_rows < 0 || vocab < 0 || max_k < 0 || num_token_ids < 0) return Status::kInvalidArgument;
  for (int64_t j = 0; j < num_rows; ++j) {
    if (num_topk[j] < 0 || num_topk[j] > max_k || num_topk[j] > vocab) return Status::kInvalidArgument;
    if (token_index[j] < 0 || token_index[j] >= num_token_ids) return Status::kInvalidArgument;
    const int32_t token = token_ids[token_index[j]];
    if (token < 0 || token >= vocab) return Status::kInvalidArgument;
  }
  parallel_for(num_rows, 1, [&](int64_t begin, int64_t end) {
    std::vector<int32_t> order;
    std::vector<float> values;
    for (int64_t j = begin; j < end; ++j) {
      const float* x = logprobs + j * vocab;
      const float value = x[token_ids[token_index[j]]];
      int64_t greater = 0;
      for (int64_t v = 0; v < vocab; ++v) greater += x[v] > value ? 1 : 0;
      token_logprob[j] = value;
      token_rank[j] = static_cast<int32_t>(1 + greater);
      top_k_sorted(x, vocab, num_topk[j], values, order);
      for (int64_t i = 0; i < max_k; ++i) {
        const bool used = i < static_cast<int64_t>(order.size());
        top_ids[j * max_k + i] = used ? order[i] : -1;
        top_logprobs[j * max_k + i] = used ? x[order[i]] : kNegInf;
      }
    }
  });
  return Status::kOk;
}

Status sampling_philox(uint32_t* out, const uint32_t* counters, const uint32_t* keys, int64_t n) {
  if (n < 0) return Status::kInvalidArgument;
  for (int64_t i = 0; i < n; ++i) {
    uint32_t c0 = counters[4 * i], c1 = counters[4 * i + 1], c2 = counters[4 * i + 2], c3 = counters[4 * i + 3];
    sampling::philox4x32_10(c0, c1, c2, c3, keys[2 * i], keys[2 * i + 1]);
    out[4 * i] = c0;
    out[4 * i + 1] = c1;
    out[4 * i + 2] = c2;
    out[4 * i + 3] = c3;
  }
  return Status::kOk;
}

}  // namespace vllmts::cpu
