#include "cpu/attention_plan.h"

#include <algorithm>
#include <cstddef>

namespace vllmts::cpu {
namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Keys per split when the plan chooses: enough splits that the work items (times KV heads) give
// every thread about two, but never splits shorter than kMinKeysPerSplit.
int64_t auto_split_size(const int32_t* query_start_loc, const int32_t* seq_lens, int64_t num_seqs,
                        const PlanOptions& options) {
  int64_t tiles = 0;
  int64_t keys = 0;
  for (int64_t s = 0; s < num_seqs; ++s) {
    const int64_t q_len = query_start_loc[s + 1] - query_start_loc[s];
    if (q_len == 0) continue;
    const int64_t seq_tiles = ceil_div(q_len, options.query_tile);
    tiles += seq_tiles;
    keys += seq_tiles * seq_lens[s];
  }
  const int64_t units = tiles * std::max<int64_t>(options.num_kv_heads, 1);
  const int64_t target = 2 * std::max<int64_t>(options.num_threads, 1);
  if (units == 0 || units >= target) return 0;
  const int64_t wanted_items = ceil_div(target, std::max<int64_t>(options.num_kv_heads, 1));
  return std::max(kMinKeysPerSplit, ceil_div(keys, wanted_items));
}

}  // namespace

AttentionWorkPlan plan_attention_work(const int32_t* query_start_loc, const int32_t* seq_lens, int64_t num_seqs,
                                      const PlanOptions& options) {
  AttentionWorkPlan plan;
  std::vector<int64_t> costs;
  const int64_t tile = std::max<int64_t>(options.query_tile, 1);
  const int64_t split = options.kv_split_size < 0
                            ? auto_split_size(query_start_loc, seq_lens, num_seqs, options)
                            : options.kv_split_size;
  for (int64_t s = 0; s < num_seqs; ++s) {
    const int32_t q_start = query_start_loc[s];
    const int32_t q_end = query_start_loc[s + 1];
    const int32_t seq_len = seq_lens[s];
    for (int32_t q_begin = q_start; q_begin < q_end; q_begin += static_cast<int32_t>(tile)) {
      const auto q_count = static_cast<int32_t>(std::min<int64_t>(tile, q_end - q_begin));
      // A causal tile's last row sees keys up to this position: the cost estimate for ordering.
      const int64_t last_key = seq_len - (q_end - q_start) + (q_begin - q_start) + q_count;
      const int64_t num_splits = split > 0 && seq_len > split ? ceil_div(seq_len, split) : 1;
      if (num_splits == 1) {
        plan.work_items.push_back({static_cast<int32_t>(s), q_begin, q_count, 0, seq_len, -1});
        costs.push_back(q_count * std::max<int64_t>(last_key, 1));
        continue;
      }
      const auto first_row = static_cast<int32_t>(plan.num_partial_rows);
      for (int64_t i = 0; i < num_splits; ++i) {
        const auto kv_begin = static_cast<int32_t>(i * split);
        const auto kv_end = static_cast<int32_t>(std::min<int64_t>(seq_len, (i + 1) * split));
        plan.work_items.push_back(
            {static_cast<int32_t>(s), q_begin, q_count, kv_begin, kv_end, first_row + static_cast<int32_t>(i) * q_count});
        costs.push_back(q_count * std::max<int64_t>(std::min<int64_t>(kv_end, last_key) - kv_begin, 1));
      }
      plan.merge_items.push_back({q_begin, q_count, first_row, static_cast<int32_t>(num_splits)});
      plan.num_partial_rows += num_splits * q_count;
    }
  }
  // Heaviest first: the pool hands out chunks in order, so long tiles start early (LPT-like).
  std::vector<size_t> order(plan.work_items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return costs[a] > costs[b]; });
  std::vector<WorkItem> sorted;
  sorted.reserve(order.size());
  for (const size_t i : order) sorted.push_back(plan.work_items[i]);
  plan.work_items = std::move(sorted);
  return plan;
}

}  // namespace vllmts::cpu
