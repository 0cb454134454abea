#include "cpu/moe.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <vector>

#include "cpu/float_rows.h"
#include "cpu/gemm.h"
#include "cpu/parallel.h"
#include "cpu/row_math.h"
#include "cpu/vec_math.h"

namespace vllmts::cpu {

Status moe_route(const void* logits, DType logits_dtype, int64_t tokens, int64_t experts, int64_t top_k,
                 bool renormalize, float* weights, int32_t* ids) {
  if (tokens < 0 || experts <= 0 || top_k <= 0 || top_k > experts) return Status::kInvalidArgument;
  if (!is_dense_float(logits_dtype)) return Status::kUnsupportedDType;
  parallel_for(tokens, std::max<int64_t>(1, 4096 / experts), [&](int64_t begin, int64_t end) {
    std::vector<float> probs(static_cast<size_t>(experts));
    std::vector<int32_t> order(static_cast<size_t>(experts));
    for (int64_t t = begin; t < end; ++t) {
      load_f32(logits, logits_dtype, t * experts, experts, probs.data());
      const float max = row_max(probs.data(), experts);
      for (auto& p : probs) p = exp_f32(p - max);
      const float sum = row_sum(probs.data(), experts);
      for (auto& p : probs) p /= sum;
      std::iota(order.begin(), order.end(), 0);
      const float* p = probs.data();
      std::partial_sort(order.begin(), order.begin() + top_k, order.end(),
                        [p](int32_t a, int32_t b) { return p[a] != p[b] ? p[a] > p[b] : a < b; });
      float picked = 0.0f;
      for (int64_t j = 0; j < top_k; ++j) picked += p[order[j]];
      for (int64_t j = 0; j < top_k; ++j) {
        weights[t * top_k + j] = renormalize ? p[order[j]] / picked : p[order[j]];
        ids[t * top_k + j] = order[j];
      }
    }
  });
  return Status::kOk;
}

namespace {

// out[r, i] = round(round(silu(gu[r, i])) · gu[r, inter + i]) for gu [rows, 2·inter].
void gated_silu(const float* gu, int64_t rows, int64_t inter, DType dtype, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    float* line = out + r * inter;
    for (int64_t i = 0; i < inter; ++i) line[i] = silu_f32(gu[r * 2 * inter + i]);
    round_through(dtype, line, inter);
    for (int64_t i = 0; i < inter; ++i) line[i] *= gu[r * 2 * inter + inter + i];
    round_through(dtype, line, inter);
  }
}

// Buffers reused across experts. GEMM inputs stay in x's dtype (the rounded activations are
// exact there), so bf16 experts take the bf16 pair kernels; GEMM outputs are float32.
struct ExpertScratch {
  std::vector<char> xe, act_stored;
  std::vector<float> gu, act, y;
};

// y[r] = mlp(expert, x[token of pair order[r]]) for `rows` pairs, rounded as the dense path rounds.
Status expert_mlp(const MoeArgs& a, int32_t expert, const int64_t* order, int64_t rows, ExpertScratch& s) {
  const int64_t x_size = dtype_size(a.dtype);
  const int64_t w_size = dtype_size(a.w_dtype);
  const int64_t row_bytes = a.hidden * x_size;
  s.xe.resize(static_cast<size_t>(rows * row_bytes));
  for (int64_t r = 0; r < rows; ++r) {
    std::memcpy(s.xe.data() + r * row_bytes, static_cast<const char*>(a.x) + (order[r] / a.top_k) * row_bytes,
                static_cast<size_t>(row_bytes));
  }
  const auto* w13 = static_cast<const char*>(a.w13) + expert * 2 * a.inter * a.hidden * w_size;
  const auto* w2 = static_cast<const char*>(a.w2) + expert * a.hidden * a.inter * w_size;
  s.gu.resize(static_cast<size_t>(rows * 2 * a.inter));
  const GemmArgs up{s.xe.data(), a.dtype, w13, a.w_dtype, nullptr, DType::kFloat32,
                    s.gu.data(), DType::kFloat32, rows, 2 * a.inter, a.hidden};
  if (const Status status = gemm(up); status != Status::kOk) return status;
  round_through(a.dtype, s.gu.data(), rows * 2 * a.inter);
  s.act.resize(static_cast<size_t>(rows * a.inter));
  gated_silu(s.gu.data(), rows, a.inter, a.dtype, s.act.data());
  s.act_stored.resize(static_cast<size_t>(rows * a.inter * x_size));
  store_f32(s.act.data(), rows * a.inter, s.act_stored.data(), a.dtype, 0);
  s.y.resize(static_cast<size_t>(rows * a.hidden));
  const GemmArgs down{s.act_stored.data(), a.dtype, w2, a.w_dtype, nullptr, DType::kFloat32,
                      s.y.data(), DType::kFloat32, rows, a.hidden, a.inter};
  if (const Status status = gemm(down); status != Status::kOk) return status;
  round_through(a.dtype, s.y.data(), rows * a.hidden);
  return Status::kOk;
}

}  // namespace

Status moe_experts(const MoeArgs& a) {
  if (a.tokens < 0 || a.hidden <= 0 || a.inter <= 0 || a.experts <= 0 || a.top_k <= 0) return Status::kInvalidArgument;
  if (!is_dense_float(a.dtype) || !is_dense_float(a.w_dtype)) return Status::kUnsupportedDType;
  // Group (token, slot) pairs by expert, tokens in order within each expert.
  const int64_t pairs = a.tokens * a.top_k;
  std::vector<int64_t> order(static_cast<size_t>(pairs));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t p, int64_t q) { return a.ids[p] < a.ids[q]; });
  // Contributions are summed in float32 in expert order, and rounded once.
  std::vector<float> acc(static_cast<size_t>(a.tokens * a.hidden), 0.0f);
  ExpertScratch scratch;
  for (int64_t first = 0; first < pairs;) {
    const int32_t expert = a.ids[order[first]];
    int64_t last = first;
    while (last < pairs && a.ids[order[last]] == expert) ++last;
    if (const Status status = expert_mlp(a, expert, order.data() + first, last - first, scratch); status != Status::kOk) {
      return status;
    }
    for (int64_t r = 0; r < last - first; ++r) {
      const int64_t pair = order[first + r];
      float* target = acc.data() + (pair / a.top_k) * a.hidden;
      const float* source = scratch.y.data() + r * a.hidden;
      for (int64_t i = 0; i < a.hidden; ++i) target[i] += a.weights[pair] * source[i];
    }
    first = last;
  }
  store_f32(acc.data(), a.tokens * a.hidden, a.out, a.dtype, 0);
  return Status::kOk;
}

}  // namespace vllmts::cpu
