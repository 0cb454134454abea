// Planning a step's attention for the CUDA kernels (host code, once per step). Two schedules:
//  - decode (every sequence has at most one new token, no fixed split size asked for): nothing but
//    a split count; the kernels derive each sequence's key ranges from the device's seq_lens, so a
//    CUDA graph captured with this plan replays correctly after new metadata is written into the
//    same buffers. The work items returned only describe what the kernels will do for this batch.
//  - work items (prefill and mixed batches): cpu::plan_attention_work's tiles of one sequence's
//    query rows against a range of its keys, sized for the tensor-core tile and the GPU's width.
#pragma once

#include <cstdint>
#include <vector>

#include "cpu/attention_plan.h"

namespace vllmts::cuda {

struct CudaPlanOptions {
  int64_t query_tile;     // > 0: query rows per work item; 0: one tensor-core tile's worth
  int64_t kv_split_size;  // < 0: choose; 0: never split; > 0: keys per split (work-item schedule)
  int64_t num_kv_heads;
  int64_t num_heads;  // 0 when unknown (then keys are never split: no workspace size)
  int64_t head_size;  // 0 when unknown
  int64_t max_seq_len;
  int64_t multiprocessors;
};

struct CudaAttentionPlan {
  std::vector<cpu::WorkItem> work_items;
  std::vector<cpu::MergeItem> merge_items;
  int64_t num_partial_rows = 0;
  int64_t decode_splits = 0;  // ≥ 1: the decode schedule; 0: run the work items
};

/// Query rows (tokens × query heads of one KV head) of the tensor-core kernel's tile.
constexpr int64_t kMmaTileRows = 64;

/// Decode splits never hold fewer keys than this (a split must pay for its merge).
constexpr int64_t kMinDecodeKeysPerSplit = 512;

/// Upper bound on decode splits (the merge reads every split's state).
constexpr int64_t kMaxDecodeSplits = 32;

/// Plans validated metadata (query_start_loc non-decreasing from 0, seq_lens covering new tokens).
CudaAttentionPlan plan_cuda_attention(const int32_t* query_start_loc, const int32_t* seq_lens, int64_t num_seqs,
                                      const CudaPlanOptions& options);

/// The device's multiprocessor count (cached per device).
int64_t multiprocessor_count(int device);

}  // namespace vllmts::cuda
