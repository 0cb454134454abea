// Device-side pieces shared by the attention kernels (internal to kernels/cuda/attention*): the
// kernels' argument block, how a thread block finds its task (a plan's work item, a decode split,
// or a dense tile found by scanning query_start_loc), the visible key range of a query, and key
// addressing through block tables with bounds checks.
#pragma once

#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>

#include "common/dtype.h"
#include "cuda/attention.cuh"
#include "cuda/attention_split.cuh"

namespace vllmts::cuda::attention_detail {

constexpr float kLog2e = 1.4426950408889634f;
constexpr float kLn2 = 0.6931471805599453f;

/// Where a block's task comes from.
enum class Source { kWorkItems, kDecode, kDense };

/// n / d for 0 ≤ n < 2^31 with a multiply and a shift (block-table lookups sit in the load loops):
/// m = ⌈2^(32+s) / d⌉ with 2^s ≥ d makes ⌊n·m / 2^(32+s)⌋ exact over that range.
struct FastDiv {
  uint64_t multiplier;
  int shift;
  int divisor;

  static FastDiv make(int d) {
    int s = 0;
    while ((int64_t{1} << s) < d) ++s;
    return FastDiv{((uint64_t{1} << (32 + s)) + static_cast<uint64_t>(d) - 1) / static_cast<uint64_t>(d), s, d};
  }
  __device__ __forceinline__ int div(int n) const {
    return static_cast<int>((static_cast<uint64_t>(n) * multiplier) >> (32 + shift));
  }
};

/// Everything a kernel launch needs, passed by value.
struct KernelArgs {
  void* out;
  const void* q;
  DType q_dtype;
  int num_tokens;
  int num_heads;
  int num_kv_heads;
  int group;  // query heads per KV head
  int head_size;
  // Paged keys and values.
  const void* cache;
  int64_t num_blocks;
  int block_size;
  FastDiv block_div;
  const int32_t* block_tables;
  int max_blocks_per_seq;
  // Dense keys and values.
  const void* k;
  const void* v;
  // The batch.
  const int32_t* query_start_loc;
  const int32_t* seq_lens;
  int num_seqs;
  // The schedule.
  const int32_t* work_items;
  int decode_splits;
  float* partials;
  // Masking.
  float scale;
  float softcap;
  int sliding_window;
  bool causal;
  const float* alibi;
};

/// One block's task: query rows [q_begin, q_begin + q_count) of sequence `seq` (the q_count
/// tokens at positions first_pos…) against its keys [kv_begin, kv_end).
struct Task {
  int seq;
  int q_begin;
  int q_count;
  int kv_begin;
  int kv_end;
  int partial_row;  // < 0: write the output; else partial rows [partial_row, partial_row + q_count)
  int first_pos;
  int seq_len;
  int dense_row0;  // dense: flat row of the sequence's key 0
  bool valid;
};

/// Keys visible to the query at `pos` (before clipping to a task's range), as [*lo, *hi):
/// causal (pos − window, pos]; non-causal (pos − window, pos + window); window 0 = unbounded.
__device__ __forceinline__ void visible_keys(int pos, int seq_len, int window, bool causal, int* lo, int* hi) {
  *lo = window > 0 ? max(0, pos - window + 1) : 0;
  *hi = causal ? pos + 1 : (window > 0 ? min(seq_len, pos + window) : seq_len);
}

/// The sequence's tokens the cache can hold through its block table row (bad lengths are clipped,
/// so a kernel never walks past the table).
__device__ __forceinline__ int clip_seq_len(const KernelArgs& a, int seq_len) {
  const int64_t most = int64_t{a.max_blocks_per_seq} * a.block_size;
  return static_cast<int>(seq_len < 0 ? 0 : (seq_len > most ? most : seq_len));
}

/// A work item of the plan (decode_splits == 0).
__device__ __forceinline__ Task work_item_task(const KernelArgs& a, int index) {
  const int32_t* w = a.work_items + 6 * static_cast<int64_t>(index);
  Task t{};
  t.seq = w[0];
  t.q_begin = w[1];
  t.q_count = w[2];
  t.partial_row = w[5];
  t.valid = t.seq >= 0 && t.seq < a.num_seqs && t.q_count > 0 && t.q_begin >= 0 &&
            int64_t{t.q_begin} + t.q_count <= a.num_tokens;
  if (!t.valid) return t;
  const int q_start = a.query_start_loc[t.seq];
  const int q_len = a.query_start_loc[t.seq + 1] - q_start;
  t.seq_len = clip_seq_len(a, a.seq_lens[t.seq]);
  t.first_pos = t.seq_len - q_len + (t.q_begin - q_start);
  t.kv_begin = max(0, w[3]);
  t.kv_end = min(w[4], t.seq_len);
  return t;
}

/// Sequence blockIdx.x's split blockIdx.z of the decode schedule: only sequences with exactly one
/// new token have work (0 is a padded batch slot; more is another schedule's job).
__device__ __forceinline__ Task decode_task(const KernelArgs& a) {
  Task t{};
  t.seq = blockIdx.x;
  const int q_start = a.query_start_loc[t.seq];
  t.valid = a.query_start_loc[t.seq + 1] - q_start == 1 && q_start >= 0 && q_start < a.num_tokens;
  if (!t.valid) return t;
  t.q_begin = q_start;
  t.q_count = 1;
  t.seq_len = clip_seq_len(a, a.seq_lens[t.seq]);
  t.first_pos = t.seq_len - 1;
  int64_t begin = 0, end = 0;
  decode_split_range(t.seq_len, a.decode_splits, blockIdx.z, &begin, &end);
  t.kv_begin = static_cast<int>(begin);
  t.kv_end = static_cast<int>(end);
  t.partial_row = a.decode_splits > 1 ? t.seq * a.decode_splits + static_cast<int>(blockIdx.z) : -1;
  return t;
}

/// Inclusive prefix sum over a block of `threads` (a multiple of 32, at most 1024); `scratch`
/// holds one int per warp plus one. Every thread gets its prefix and *total.
__device__ __forceinline__ int block_inclusive_scan(int value, int* scratch, int* total) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  for (int offset = 1; offset < 32; offset <<= 1) {
    const int other = __shfl_up_sync(0xffffffffu, value, offset);
    if (lane >= offset) value += other;
  }
  if (lane == 31) scratch[warp] = value;
  __syncthreads();
  if (threadIdx.x == 0) {
    int running = 0;
    for (int w = 0; w < warps; ++w) {
      const int sum = scratch[w];
      scratch[w] = running;
      running += sum;
    }
    scratch[warps] = running;
  }
  __syncthreads();
  value += scratch[warp];
  *total = scratch[warps];
  __syncthreads();  // scratch is reused by the next call
  return value;
}

/// Dense tile blockIdx.x: sequence s owns ⌈len_s / tile_tokens⌉ consecutive tiles. All threads of
/// the block call this; `scratch` holds blockDim.x / 32 + 3 ints.
__device__ inline Task dense_task(const KernelArgs& a, int tile_tokens, int* scratch) {
  Task t{};
  int* found = scratch + (blockDim.x >> 5) + 1;  // [seq, tile in seq]
  if (threadIdx.x == 0) found[0] = -1;
  __syncthreads();
  const int tile = blockIdx.x;
  int base = 0;
  for (int s0 = 0; s0 < a.num_seqs; s0 += blockDim.x) {
    const int s = s0 + threadIdx.x;
    int tiles = 0;
    if (s < a.num_seqs) {
      const int begin = min(max(a.query_start_loc[s], 0), a.num_tokens);
      const int end = min(max(a.query_start_loc[s + 1], begin), a.num_tokens);
      tiles = (end - begin + tile_tokens - 1) / tile_tokens;
    }
    int total = 0;
    const int inclusive = block_inclusive_scan(tiles, scratch, &total);
    if (tiles > 0 && tile >= base + inclusive - tiles && tile < base + inclusive) {
      found[0] = s;
      found[1] = tile - (base + inclusive - tiles);
    }
    base += total;
    __syncthreads();
    if (found[0] >= 0 || base > tile) break;  // uniform: every thread reads the same values
  }
  const int seq = found[0];
  if (seq < 0) return t;
  const int begin = min(max(a.query_start_loc[seq], 0), a.num_tokens);
  const int end = min(max(a.query_start_loc[seq + 1], begin), a.num_tokens);
  t.seq = seq;
  t.q_begin = begin + found[1] * tile_tokens;
  t.q_count = min(tile_tokens, end - t.q_begin);
  t.seq_len = end - begin;
  t.first_pos = t.q_begin - begin;
  t.kv_begin = 0;
  t.kv_end = t.seq_len;
  t.partial_row = -1;
  t.dense_row0 = begin;
  t.valid = t.q_count > 0;
  return t;
}

/// Element offsets of a key's and its value's head vector, or false when the key cannot be read
/// (block table entry out of range): the caller reads zeros instead.
template <Source S>
struct KeyAddress {
  const int32_t* table;
  int max_blocks;
  int64_t num_blocks;
  int block_size;
  FastDiv block_div;
  int64_t token_stride;  // num_kv_heads · head_size
  int64_t head_offset;   // kv_head · head_size
  int64_t value_delta;   // paged: block_size · token_stride (values follow keys in a block)
  int dense_row0;

  __device__ __forceinline__ KeyAddress(const KernelArgs& a, const Task& t, int kv_head)
      : table(a.block_tables + int64_t{t.seq} * a.max_blocks_per_seq),
        max_blocks(a.max_blocks_per_seq),
        num_blocks(a.num_blocks),
        block_size(a.block_size),
        block_div(a.block_div),
        token_stride(int64_t{a.num_kv_heads} * a.head_size),
        head_offset(int64_t{kv_head} * a.head_size),
        value_delta(int64_t{a.block_size} * a.num_kv_heads * a.head_size),
        dense_row0(t.dense_row0) {}

  /// Offset of key `pos`'s vector; the value's is offset + value_delta (paged) or the same (dense).
  __device__ __forceinline__ bool key(int pos, int64_t* offset) const {
    if constexpr (S == Source::kDense) {
      *offset = (int64_t{dense_row0} + pos) * token_stride + head_offset;
      return true;
    } else {
      const int index = block_div.div(pos);
      if (index >= max_blocks) return false;
      const int block = __ldg(table + index);
      if (block < 0 || block >= num_blocks) return false;
      *offset = ((int64_t{block} * 2) * block_size + (pos - index * block_size)) * token_stride + head_offset;
      return true;
    }
  }
  __device__ __forceinline__ int64_t value_offset(int64_t key_offset) const {
    return S == Source::kDense ? key_offset : key_offset + value_delta;
  }
};

__device__ __forceinline__ float load_as_float(const void* base, DType dtype, int64_t i) {
  switch (dtype) {
    case DType::kBFloat16: return bf16_to_f32(static_cast<const uint16_t*>(base)[i]);
    case DType::kFloat16: return f16_to_f32(static_cast<const uint16_t*>(base)[i]);
    default: return static_cast<const float*>(base)[i];
  }
}

__device__ __forceinline__ void store_from_float(void* base, DType dtype, int64_t i, float v) {
  switch (dtype) {
    case DType::kBFloat16: static_cast<uint16_t*>(base)[i] = f32_to_bf16(v); return;
    case DType::kFloat16: static_cast<uint16_t*>(base)[i] = f32_to_f16(v); return;
    default: static_cast<float*>(base)[i] = v; return;
  }
}

/// A split's softmax state in the workspace: (accumulator[D], max in natural-log units, sum).
__device__ __forceinline__ float* partial_state(const KernelArgs& a, int row, int head) {
  return a.partials + (int64_t{row} * a.num_heads + head) * (a.head_size + 2);
}

}  // namespace vllmts::cuda::attention_detail
