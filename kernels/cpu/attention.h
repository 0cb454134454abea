// Attention over a flat variable-length batch, on the CPU: paged (keys and values read from the
// KV cache through block tables) and dense (keys and values given per token, for encoders).
// Float32 compute with an online softmax; threaded over work items × KV heads.
//
// Callers validate operands first (the binding does); kernels trust their arguments.
#pragma once

#include <cstdint>

#include "common/dtype.h"
#include "common/status.h"
#include "cpu/attention_plan.h"

namespace vllmts::cpu {

/// The paged KV cache of one layer: [num_blocks, 2, block_size, num_kv_heads, head_size],
/// contiguous. Index 0 of dim 1 holds keys, index 1 values; the token at slot
/// `block * block_size + offset` lives at [block, ·, offset]. One block is one contiguous page.
struct PagedKVCache {
  const void* data;
  DType dtype;  // float32, float16 or bfloat16
  int64_t num_blocks;
  int64_t block_size;
};

/// Queries and outputs: [num_tokens, num_heads, head_size], contiguous, in `dtype`.
struct AttentionProblem {
  void* out;
  const void* q;
  DType dtype;  // of q and out: float32, float16 or bfloat16
  int64_t num_tokens;
  int64_t num_heads;
  int64_t num_kv_heads;  // num_heads is a multiple of it
  int64_t head_size;
};

/// The flat batch: sequence s brings rows [query_start_loc[s], query_start_loc[s+1]) of q, which
/// are the last positions of its seq_lens[s] tokens. Block tables: [num_seqs, max_blocks_per_seq].
struct VarlenBatch {
  const int32_t* query_start_loc;
  const int32_t* seq_lens;
  int64_t num_seqs;
  const int32_t* block_tables;  // null for dense attention
  int64_t max_blocks_per_seq;
};

/// What a query at position p sees and how its logits are formed:
///   logit = softcap > 0 ? softcap·tanh(scale·q·k / softcap) : scale·q·k
///   logit += alibi_slopes[head] · (key_pos − p)                  (when alibi_slopes is set)
///   causal:     keys in (p − sliding_window, p]                   (window 0 = unbounded)
///   non-causal: keys in (p − sliding_window, p + sliding_window)  (window 0 = all keys)
struct AttentionMasking {
  float scale;
  bool causal;
  int64_t sliding_window;
  float softcap;
  const float* alibi_slopes;  // [num_heads] or null
};

/// The plan's schedule (see attention_plan.h) and the split-KV partials it needs:
/// float [num_partial_rows, num_heads, head_size + 2] = (unnormalised accumulator, max, sum).
struct AttentionSchedule {
  const WorkItem* work_items;
  int64_t num_work_items;
  const MergeItem* merge_items;
  int64_t num_merge_items;
  float* partials;  // null when num_partial_rows == 0
  int64_t num_partial_rows;
};

Status paged_attention(const AttentionProblem& problem, const PagedKVCache& cache, const VarlenBatch& batch,
                       const AttentionSchedule& schedule, const AttentionMasking& masking);

/// Dense variant: k and v are [num_tokens, num_kv_heads, head_size] in problem.dtype, and every
/// sequence's keys are its own rows (seq_lens and block tables unused). Splits no keys.
Status dense_attention(const AttentionProblem& problem, const void* k, const void* v, const int32_t* query_start_loc,
                       int64_t num_seqs, const AttentionMasking& masking, int64_t query_tile);

/// Bytes of split-KV partials a schedule with `num_partial_rows` needs.
inline int64_t attention_partials_bytes(int64_t num_partial_rows, int64_t num_heads, int64_t head_size) {
  return num_partial_rows * num_heads * (head_size + 2) * static_cast<int64_t>(sizeof(float));
}

}  // namespace vllmts::cpu
