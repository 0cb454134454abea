#include "cpu/attention.h"

#include <cmath>
#include <vector>

#include "cpu/attention_tile.h"
#include "cpu/parallel.h"

namespace vllmts::cpu {
namespace {

using attention_detail::run_tile;
using attention_detail::TileTask;

// Keys and values of one sequence read through its block table row.
struct PagedKV {
  const void* keys;  // the whole cache: keys and values are told apart by dim 1
  const void* values;
  DType dtype;
  const int32_t* table;
  int64_t block_size;
  int64_t token_stride;  // num_kv_heads · head_size
  int64_t head_size;

  int64_t slot(int64_t pos, int64_t kv_half, int64_t kv_head) const {
    const int64_t block = table[pos / block_size];
    return ((block * 2 + kv_half) * block_size + pos % block_size) * token_stride + kv_head * head_size;
  }
  int64_t key(int64_t pos, int64_t kv_head) const { return slot(pos, 0, kv_head); }
  int64_t value(int64_t pos, int64_t kv_head) const { return slot(pos, 1, kv_head); }
};

// Keys and values of one sequence given as its own rows of dense [tokens, kv_heads, head_size].
struct DenseKV {
  const void* keys;
  const void* values;
  DType dtype;
  int64_t first_row;
  int64_t token_stride;
  int64_t head_size;

  int64_t key(int64_t pos, int64_t kv_head) const { return (first_row + pos) * token_stride + kv_head * head_size; }
  int64_t value(int64_t pos, int64_t kv_head) const { return key(pos, kv_head); }
};

// Combines split-KV partial states: O = Σ acc_k·e^(m_k−M) / Σ l_k·e^(m_k−M), M = max m_k.
void merge_partials(const AttentionProblem& p, const AttentionSchedule& schedule) {
  const int64_t D = p.head_size;
  const int64_t units = schedule.num_merge_items * p.num_heads;
  parallel_for(units, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> acc(D);
    for (int64_t u = begin; u < end; ++u) {
      const MergeItem& item = schedule.merge_items[u / p.num_heads];
      const int64_t head = u % p.num_heads;
      for (int64_t i = 0; i < item.q_count; ++i) {
        const auto state = [&](int64_t split) {
          const int64_t row = item.partial_row + split * item.q_count + i;
          return schedule.partials + (row * p.num_heads + head) * (D + 2);
        };
        float max = -INFINITY;
        for (int64_t k = 0; k < item.num_splits; ++k) max = std::max(max, state(k)[D]);
        std::fill(acc.begin(), acc.end(), 0.0f);
        float sum = 0.0f;
        if (max != -INFINITY) {
          for (int64_t k = 0; k < item.num_splits; ++k) {
            const float* s = state(k);
            const float w = std::exp(s[D] - max);
            sum += s[D + 1] * w;
            for (int64_t d = 0; d < D; ++d) acc[d] += s[d] * w;
          }
        }
        const int64_t offset = ((item.q_begin + i) * p.num_heads + head) * D;
        attention_detail::store_row(acc.data(), sum > 0.0f ? 1.0f / sum : 0.0f, p.out, p.dtype, offset, D);
      }
    }
  });
}

bool float_storage(DType dtype) {
  return dtype == DType::kFloat32 || dtype == DType::kBFloat16 || dtype == DType::kFloat16;
}

bool valid_problem(const AttentionProblem& p) {
  return float_storage(p.dtype) && p.num_tokens >= 0 && p.num_kv_heads > 0 && p.head_size > 0 &&
         p.num_heads % p.num_kv_heads == 0 && p.num_heads > 0;
}

}  // namespace

Status paged_attention(const AttentionProblem& problem, const PagedKVCache& cache, const VarlenBatch& batch,
                       const AttentionSchedule& schedule, const AttentionMasking& masking) {
  if (!valid_problem(problem) || !float_storage(cache.dtype)) return Status::kUnsupportedDType;
  if (schedule.num_work_items == 0) return Status::kOk;
  if (cache.block_size <= 0 || batch.block_tables == nullptr) return Status::kInvalidArgument;
  if (schedule.num_partial_rows > 0 && schedule.partials == nullptr) return Status::kInvalidArgument;
  const int64_t units = schedule.num_work_items * problem.num_kv_heads;
  parallel_for(units, 1, [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end; ++u) {
      const WorkItem& item = schedule.work_items[u / problem.num_kv_heads];
      const int64_t s = item.seq;
      const PagedKV kv{cache.data,
                       cache.data,
                       cache.dtype,
                       batch.block_tables + s * batch.max_blocks_per_seq,
                       cache.block_size,
                       problem.num_kv_heads * problem.head_size,
                       problem.head_size};
      const TileTask task{batch.query_start_loc[s], batch.query_start_loc[s + 1] - batch.query_start_loc[s],
                          batch.seq_lens[s], item, u % problem.num_kv_heads};
      run_tile(problem, kv, task, masking, schedule.partials);
    }
  });
  if (schedule.num_merge_items > 0) merge_partials(problem, schedule);
  return Status::kOk;
}

Status dense_attention(const AttentionProblem& problem, const void* k, const void* v, const int32_t* query_start_loc,
                       int64_t num_seqs, const AttentionMasking& masking, int64_t query_tile) {
  if (!valid_problem(problem)) return Status::kUnsupportedDType;
  // Every sequence attends to exactly its own rows, so its key count is its query count.
  std::vector<int32_t> lengths(num_seqs);
  for (int64_t s = 0; s < num_seqs; ++s) lengths[s] = query_start_loc[s + 1] - query_start_loc[s];
  const PlanOptions options{query_tile, 0, problem.num_kv_heads, num_threads()};
  const AttentionWorkPlan plan = plan_attention_work(query_start_loc, lengths.data(), num_seqs, options);
  const int64_t units = static_cast<int64_t>(plan.work_items.size()) * problem.num_kv_heads;
  parallel_for(units, 1, [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end; ++u) {
      const WorkItem& item = plan.work_items[u / problem.num_kv_heads];
      const int64_t s = item.seq;
      const DenseKV kv{k, v, problem.dtype, query_start_loc[s], problem.num_kv_heads * problem.head_size,
                       problem.head_size};
      const TileTask task{query_start_loc[s], lengths[s], lengths[s], item, u % problem.num_kv_heads};
      run_tile(problem, kv, task, masking, nullptr);
    }
  });
  return Status::kOk;
}

}  // namespace vllmts::cpu
