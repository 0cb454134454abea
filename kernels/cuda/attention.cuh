// CUDA attention over a flat variable-length batch: the twins of cpu/attention.h, enqueued on a
// stream, never waiting for the device. Paged (keys and values read from the KV cache through block
// tables) and dense (keys and values given per token, for encoders). Float32 softmax and
// accumulation; bf16/fp16 models whose cache has their dtype take the tensor-core kernel
// (attention_mma.cuh, where the design note is), everything else a float32 CUDA-core kernel.
//
// Callers validate operands first (the binding does). The kernels still never read outside the
// buffers when device-resident metadata disagrees with what was validated on the host (a block id
// or slot out of range reads zeros / is skipped), since the host cannot see those values without
// waiting for the device.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "common/dtype.h"
#include "common/status.h"

namespace vllmts::cuda {

/// Queries and outputs: [num_tokens, num_heads, head_size], contiguous, one dtype (f32/bf16/f16).
struct AttentionProblem {
  void* out;
  const void* q;
  DType dtype;
  int64_t num_tokens;
  int64_t num_heads;
  int64_t num_kv_heads;  // num_heads is a multiple of it
  int64_t head_size;
};

/// One layer's paged cache on the device: [num_blocks, 2, block_size, num_kv_heads, head_size].
struct PagedKVCache {
  const void* data;
  DType dtype;
  int64_t num_blocks;
  int64_t block_size;
};

/// The flat batch's metadata, in device memory (see cpu::VarlenBatch for the meaning).
struct VarlenBatch {
  const int32_t* query_start_loc;  // [num_seqs + 1]
  const int32_t* seq_lens;         // [num_seqs]
  int64_t num_seqs;
  const int32_t* block_tables;  // [num_seqs, max_blocks_per_seq]
  int64_t max_blocks_per_seq;
};

/// Logit shaping and masks, as cpu::AttentionMasking; alibi_slopes is a device pointer or null.
struct AttentionMasking {
  float scale;
  bool causal;
  int64_t sliding_window;
  float softcap;
  const float* alibi_slopes;
};

/// How the work is laid out. decode_splits ≥ 1: the decode schedule, derived on the device from
/// the metadata alone (every sequence has 0 or 1 new tokens; sequence s's keys split evenly into
/// decode_splits ranges, partial rows s·decode_splits + i), so a CUDA graph captured once replays
/// correctly with new metadata in the same buffers. decode_splits == 0: the plan's work items and
/// merge items (cpu::WorkItem / cpu::MergeItem layouts) in device memory.
/// Partials: float [num_partial_rows, num_heads, head_size + 2] = (accumulator, max, sum).
struct AttentionSchedule {
  int64_t decode_splits;
  const int32_t* work_items;  // [num_work_items, 6]
  int64_t num_work_items;
  const int32_t* merge_items;  // [num_merge_items, 4]
  int64_t num_merge_items;
  float* partials;
  int64_t num_partial_rows;
};

/// Largest head size the kernels take.
constexpr int64_t kMaxAttentionHeadSize = 512;

Status paged_attention(const AttentionProblem& problem, const PagedKVCache& cache, const VarlenBatch& batch,
                       const AttentionSchedule& schedule, const AttentionMasking& masking, cudaStream_t stream);

/// Dense variant (no cache, no plan): k and v are [num_tokens, num_kv_heads, head_size] in
/// problem.dtype; sequence s is rows [query_start_loc[s], query_start_loc[s + 1]) of q, k and v.
/// Each block finds its tile by scanning query_start_loc on the device, so nothing is read back.
Status dense_attention(const AttentionProblem& problem, const void* k, const void* v, const int32_t* query_start_loc,
                       int64_t num_seqs, const AttentionMasking& masking, cudaStream_t stream);

}  // namespace vllmts::cuda
