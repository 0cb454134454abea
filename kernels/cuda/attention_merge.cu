// Combining split-KV partial softmax states into outputs, as the CPU merge does:
// O = Σ acc_k·e^(m_k − M) / Σ l_k·e^(m_k − M), M = max m_k (no keys at all: zeros).
// One block per (merge item or decode sequence, query head); threads own output dimensions.
#include "cuda/attention_launch.cuh"
#include "cuda/launch.cuh"

namespace vllmts::cuda::attention_detail {
namespace {

constexpr int kMergeThreads = 128;

template <bool kDecode>
__global__ void __launch_bounds__(kMergeThreads) merge_kernel(const KernelArgs a, const int32_t* merge_items) {
  int q_begin, q_count, first_row, splits;
  if constexpr (kDecode) {
    // The decode schedule, read from the device's metadata like the attention kernels read it.
    const int s = blockIdx.x;
    q_begin = a.query_start_loc[s];
    if (a.query_start_loc[s + 1] - q_begin != 1 || q_begin < 0 || q_begin >= a.num_tokens) return;
    q_count = 1;
    first_row = s * a.decode_splits;
    splits = a.decode_splits;
  } else {
    const int32_t* item = merge_items + 4 * static_cast<int64_t>(blockIdx.x);
    q_begin = item[0];
    q_count = item[1];
    first_row = item[2];
    splits = item[3];
  }
  const int head = blockIdx.y;
  const int D = a.head_size;
  for (int i = 0; i < q_count; ++i) {
    float m = -INFINITY;
    for (int k = 0; k < splits; ++k) m = fmaxf(m, partial_state(a, first_row + k * q_count + i, head)[D]);
    const int64_t out_offset = ((int64_t{q_begin} + i) * a.num_heads + head) * D;
    if (m == -INFINITY) {
      for (int d = threadIdx.x; d < D; d += kMergeThreads) store_from_float(a.out, a.q_dtype, out_offset + d, 0.0f);
      continue;
    }
    float sum = 0.0f;
    for (int k = 0; k < splits; ++k) {
      const float* state = partial_state(a, first_row + k * q_count + i, head);
      sum += state[D + 1] * expf(state[D] - m);
    }
    const float inv = sum > 0.0f ? 1.0f / sum : 0.0f;
    for (int d = threadIdx.x; d < D; d += kMergeThreads) {
      float acc = 0.0f;
      for (int k = 0; k < splits; ++k) {
        const float* state = partial_state(a, first_row + k * q_count + i, head);
        acc += state[d] * expf(state[D] - m);
      }
      store_from_float(a.out, a.q_dtype, out_offset + d, acc * inv);
    }
  }
}

}  // namespace

Status launch_merge(const KernelArgs& args, const int32_t* merge_items, int64_t num_merge_items,
                    cudaStream_t stream) {
  if (args.decode_splits > 1) {
    if (args.num_seqs == 0) return Status::kOk;
    const dim3 grid(static_cast<unsigned>(args.num_seqs), static_cast<unsigned>(args.num_heads));
    merge_kernel<true><<<grid, kMergeThreads, 0, stream>>>(args, nullptr);
    return launch_status();
  }
  if (num_merge_items == 0) return Status::kOk;
  const dim3 grid(static_cast<unsigned>(num_merge_items), static_cast<unsigned>(args.num_heads));
  merge_kernel<false><<<grid, kMergeThreads, 0, stream>>>(args, merge_items);
  return launch_status();
}

}  // namespace vllmts::cuda::attention_detail
