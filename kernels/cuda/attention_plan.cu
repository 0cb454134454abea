#include <cuda_runtime.h>

#include <algorithm>
#include <mutex>
#include <vector>

#include "cuda/attention_plan.cuh"
#include "cuda/attention_split.cuh"

namespace vllmts::cuda {
namespace {

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Splits per decode sequence: enough (sequence, KV head, head group, split) blocks for about eight
// per multiprocessor (three run at once: several waves keep the last one's idle share small), but
// never splits under kMinDecodeKeysPerSplit keys of the longest sequence.
// Only the batch size and head geometry (and maxSeqLen, an accepted upper bound) decide it, so a
// graph captured for a batch size keeps a split count that suits its replays.
int64_t decode_split_count(int64_t num_seqs, const CudaPlanOptions& o) {
  if (o.num_heads <= 0 || o.head_size <= 0 || o.kv_split_size == 0) return 1;
  const int64_t group = o.num_heads / o.num_kv_heads;
  const int64_t head_groups = ceil_div(group, 16);  // the decode kernel packs up to 16 query heads
  const int64_t units = std::max<int64_t>(num_seqs, 1) * o.num_kv_heads * head_groups;
  const int64_t by_width = ceil_div(8 * std::max<int64_t>(o.multiprocessors, 1), units);
  const int64_t by_length = ceil_div(o.max_seq_len, kMinDecodeKeysPerSplit);
  return std::clamp<int64_t>(std::min(by_width, by_length), 1, kMaxDecodeSplits);
}

}  // namespace

CudaAttentionPlan plan_cuda_attention(const int32_t* query_start_loc, const int32_t* seq_lens, int64_t num_seqs,
                                      const CudaPlanOptions& options) {
  CudaAttentionPlan plan;
  bool decode = options.kv_split_size <= 0;
  for (int64_t s = 0; s < num_seqs && decode; ++s) decode = query_start_loc[s + 1] - query_start_loc[s] <= 1;
  if (!decode) {
    const int64_t group = options.num_heads > 0 ? options.num_heads / options.num_kv_heads : 0;
    const int64_t tile = options.query_tile > 0 ? options.query_tile
                         : group > 0            ? std::max<int64_t>(1, kMmaTileRows / std::min(group, kMmaTileRows))
                                                : 16;
    // kv_split_size < 0 asks for splits when the work items are fewer than the GPU's width: the
    // CPU planner's rule with two "threads" per multiprocessor (it aims at two items per thread).
    const int64_t split = options.kv_split_size < 0 && options.num_heads <= 0 ? 0 : options.kv_split_size;
    const cpu::PlanOptions cpu_options{tile, split, options.num_kv_heads, 2 * options.multiprocessors};
    cpu::AttentionWorkPlan work = cpu::plan_attention_work(query_start_loc, seq_lens, num_seqs, cpu_options);
    plan.work_items = std::move(work.work_items);
    plan.merge_items = std::move(work.merge_items);
    plan.num_partial_rows = work.num_partial_rows;
    return plan;
  }
  const int64_t splits = decode_split_count(num_seqs, options);
  plan.decode_splits = splits;
  plan.num_partial_rows = splits > 1 ? num_seqs * splits : 0;
  for (int64_t s = 0; s < num_seqs; ++s) {
    const int32_t row = query_start_loc[s];
    if (query_start_loc[s + 1] - row != 1) continue;
    const auto seq = static_cast<int32_t>(s);
    if (splits == 1) {
      plan.work_items.push_back({seq, row, 1, 0, seq_lens[s], -1});
      continue;
    }
    for (int64_t i = 0; i < splits; ++i) {
      int64_t begin = 0, end = 0;
      decode_split_range(seq_lens[s], splits, i, &begin, &end);
      plan.work_items.push_back({seq, row, 1, static_cast<int32_t>(begin), static_cast<int32_t>(end),
                                 static_cast<int32_t>(s * splits + i)});
    }
    plan.merge_items.push_back({row, 1, static_cast<int32_t>(s * splits), static_cast<int32_t>(splits)});
  }
  return plan;
}

int64_t multiprocessor_count(int device) {
  static std::mutex mutex;
  static std::vector<int64_t> counts;
  std::lock_guard<std::mutex> lock(mutex);
  if (counts.size() <= static_cast<size_t>(device)) counts.resize(device + 1, 0);
  if (counts[device] == 0) {
    int value = 0;
    if (cudaDeviceGetAttribute(&value, cudaDevAttrMultiProcessorCount, device) != cudaSuccess) {
      cudaGetLastError();
      value = 132;  // an H100/H200's count: only the split heuristics depend on it
    }
    counts[device] = value;
  }
  return counts[device];
}

}  // namespace vllmts::cuda
