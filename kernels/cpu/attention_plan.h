// Partitioning a flat batch's attention into work items, once per step (the "plan"); every layer
// then runs the same schedule. A work item is a tile of one sequence's query rows against a range
// of its keys; long key ranges may be split (split-KV) so that few long sequences still fill every
// thread, with a merge pass combining the splits' partial softmax states.
#pragma once

#include <cstdint>
#include <vector>

namespace vllmts::cpu {

/// One tile: query rows [q_begin, q_begin + q_count) of the flat batch (all of sequence `seq`)
/// against key positions [kv_begin, kv_end) of that sequence. partial_row < 0: the item covers
/// all the sequence's keys and writes the output; otherwise it writes its softmax state to
/// partial rows [partial_row, partial_row + q_count). Six int32s, the layout of the plan tensor.
struct WorkItem {
  int32_t seq;
  int32_t q_begin;
  int32_t q_count;
  int32_t kv_begin;
  int32_t kv_end;
  int32_t partial_row;
};

/// Combines the `num_splits` partial states of query rows [q_begin, q_begin + q_count): split i
/// sits at partial rows [partial_row + i·q_count, partial_row + (i+1)·q_count). Four int32s.
struct MergeItem {
  int32_t q_begin;
  int32_t q_count;
  int32_t partial_row;
  int32_t num_splits;
};

static_assert(sizeof(WorkItem) == 6 * sizeof(int32_t), "WorkItem is six packed int32s");
static_assert(sizeof(MergeItem) == 4 * sizeof(int32_t), "MergeItem is four packed int32s");

struct PlanOptions {
  int64_t query_tile;     // query rows per work item (> 0)
  int64_t kv_split_size;  // keys per split; 0 = never split; < 0 = choose from the thread count
  int64_t num_kv_heads;   // work items run once per KV head: counts toward parallelism
  int64_t num_threads;
};

struct AttentionWorkPlan {
  std::vector<WorkItem> work_items;  // heaviest first, so the thread pool balances them
  std::vector<MergeItem> merge_items;
  int64_t num_partial_rows = 0;
};

/// Keys below which a split does not pay for its merge.
constexpr int64_t kMinKeysPerSplit = 256;

/// Partitions sequences given by validated metadata: query_start_loc [num_seqs + 1] non-decreasing
/// from 0, seq_lens[s] ≥ the sequence's query rows.
AttentionWorkPlan plan_attention_work(const int32_t* query_start_loc, const int32_t* seq_lens, int64_t num_seqs,
                                      const PlanOptions& options);

}  // namespace vllmts::cpu
