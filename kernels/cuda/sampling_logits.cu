// CUDA twins of cpu/sampling_logits.cpp: sparse masks and biases, allowed-token lists, penalties,
// temperature and min-p, all on float32 logits in place.
#include "cuda/launch.cuh"
#include "cuda/sampling.cuh"
#include "cuda/sampling_block.cuh"

namespace vllmts::cuda {
namespace {

__device__ __forceinline__ bool in_range(int32_t row, int32_t token, int64_t num_rows, int64_t vocab) {
  return row >= 0 && row < num_rows && token >= 0 && token < vocab;
}

__global__ void mask_tokens_kernel(float* logits, int64_t num_rows, int64_t vocab, const int32_t* rows,
                                   const int32_t* tokens, int64_t count) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count; i += int64_t{gridDim.x} * blockDim.x) {
    if (in_range(rows[i], tokens[i], num_rows, vocab)) logits[rows[i] * vocab + tokens[i]] = -INFINITY;
  }
}

__global__ void add_bias_kernel(float* logits, int64_t num_rows, int64_t vocab, const int32_t* rows,
                                const int32_t* tokens, const float* bias, int64_t count) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count; i += int64_t{gridDim.x} * blockDim.x) {
    if (in_range(rows[i], tokens[i], num_rows, vocab)) atomicAdd(&logits[rows[i] * vocab + tokens[i]], bias[i]);
  }
}

// One block per list: every token not found (binary search) in the row's sorted list becomes -inf.
__global__ void keep_tokens_kernel(float* logits, int64_t num_rows, int64_t vocab, const int32_t* row_ids,
                                   const int32_t* offsets, const int32_t* tokens, int64_t count) {
  const int64_t list = blockIdx.x;
  const int32_t row = row_ids[list];
  const int32_t begin = offsets[list], end = offsets[list + 1];
  if (row < 0 || row >= num_rows || begin < 0 || end < begin || end > count) return;
  float* x = logits + row * vocab;
  for (int64_t v = threadIdx.x; v < vocab; v += blockDim.x) {
    int32_t lo = begin, hi = end;
    while (lo < hi) {
      const int32_t mid = (lo + hi) / 2;
      if (tokens[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    if (lo == end || tokens[lo] != v) x[v] = -INFINITY;
  }
}

// One block per list; the list's distinct tokens are spread over the threads.
__global__ void penalties_kernel(float* logits, int64_t num_rows, int64_t vocab, const int32_t* row_ids,
                                 const int32_t* offsets, const int32_t* tokens, const int32_t* output_counts,
                                 int64_t count, const float* repetition, const float* frequency,
                                 const float* presence) {
  const int64_t list = blockIdx.x;
  const int32_t row = row_ids[list];
  const int32_t begin = offsets[list], end = offsets[list + 1];
  if (row < 0 || row >= num_rows || begin < 0 || end < begin || end > count) return;
  const float rep = repetition[list], freq = frequency[list], pres = presence[list];
  float* x = logits + row * vocab;
  for (int32_t i = begin + threadIdx.x; i < end; i += blockDim.x) {
    const int32_t token = tokens[i];
    const int32_t n = output_counts[i];
    if (token < 0 || token >= vocab || n < 0) continue;
    float v = x[token];
    v = v > 0.0f ? v / rep : v * rep;
    v -= freq * static_cast<float>(n);
    v -= n > 0 ? pres : 0.0f;
    x[token] = v;
  }
}

// Grid (blocks along the row, rows): no per-element division to find the row, and rows that keep
// their logits (greedy, or t = 1) are not touched at all.
__global__ void temperature_kernel(float* logits, int64_t num_rows, int64_t vocab, const float* temperature) {
  for (int64_t row = blockIdx.y; row < num_rows; row += gridDim.y) {  // grid.y stops at 65,535
    const float t = temperature[row];
    if (!(t >= 1e-5f) || t == 1.0f) continue;
    float* x = logits + row * vocab;
    for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < vocab; i += int64_t{gridDim.x} * blockDim.x) {
      x[i] /= t;
    }
  }
}

__global__ void min_p_kernel(float* logits, int64_t vocab, const float* min_p) {
  __shared__ float scratch[kSamplingWarps];
  const float p = min_p[blockIdx.x];
  if (!(p > 0.0f)) return;
  float* x = logits + blockIdx.x * vocab;
  float m = -INFINITY;
  for (int64_t v = threadIdx.x; v < vocab; v += blockDim.x) m = MaxOp()(m, x[v]);
  m = block_reduce(m, MaxOp(), scratch);
  if (!isfinite(m)) return;
  const float threshold = m + logf(p);
  for (int64_t v = threadIdx.x; v < vocab; v += blockDim.x) x[v] = x[v] < threshold ? -INFINITY : x[v];
}

}  // namespace

Status sampling_mask_tokens(float* logits, int64_t num_rows, int64_t vocab, const int32_t* rows,
                            const int32_t* tokens, int64_t count, cudaStream_t stream) {
  if (num_rows < 0 || vocab < 0 || count < 0) return Status::kInvalidArgument;
  if (count == 0) return Status::kOk;
  mask_tokens_kernel<<<grid_for(count), kThreadsPerBlock, 0, stream>>>(logits, num_rows, vocab, rows, tokens, count);
  return launch_status();
}

Status sampling_add_bias(float* logits, int64_t num_rows, int64_t vocab, const int32_t* rows, const int32_t* tokens,
                         const float* bias, int64_t count, cudaStream_t stream) {
  if (num_rows < 0 || vocab < 0 || count < 0) return Status::kInvalidArgument;
  if (count == 0) return Status::kOk;
  add_bias_kernel<<<grid_for(count), kThreadsPerBlock, 0, stream>>>(logits, num_rows, vocab, rows, tokens, bias,
                                                                     count);
  return launch_status();
}

Status sampling_keep_tokens(float* logits, int64_t num_rows, int64_t vocab, const int32_t* row_ids,
                            const int32_t* offsets, int64_t num_lists, const int32_t* tokens, int64_t count,
                            cudaStream_t stream) {
  if (num_rows < 0 || vocab < 0 || num_lists < 0 || count < 0) return Status::kInvalidArgument;
  if (num_lists == 0) return Status::kOk;
  keep_tokens_kernel<<<static_cast<unsigned>(num_lists), kThreadsPerBlock, 0, stream>>>(logits, num_rows, vocab,
                                                                                         row_ids, offsets, tokens,
                                                                                         count);
  return launch_status();
}

Status sampling_apply_penalties(float* logits, int64_t num_rows, int64_t vocab, const int32_t* row_ids,
                                const int32_t* offsets, int64_t num_lists, const int32_t* tokens,
                                const int32_t* output_counts, int64_t count, const float* repetition,
                                const float* frequency, const float* presence, cudaStream_t stream) {
  if (num_rows < 0 || vocab < 0 || num_lists < 0 || count < 0) return Status::kInvalidArgument;
  if (num_lists == 0) return Status::kOk;
  penalties_kernel<<<static_cast<unsigned>(num_lists), kThreadsPerBlock, 0, stream>>>(
      logits, num_rows, vocab, row_ids, offsets, tokens, output_counts, count, repetition, frequency, presence);
  return launch_status();
}

Status sampling_apply_temperature(float* logits, int64_t num_rows, int64_t vocab, const float* temperature,
                                  cudaStream_t stream) {
  if (num_rows < 0 || vocab < 0) return Status::kInvalidArgument;
  if (num_rows * vocab == 0) return Status::kOk;
  const dim3 grid(static_cast<unsigned>((vocab + 4 * kThreadsPerBlock - 1) / (4 * kThreadsPerBlock)),
                  static_cast<unsigned>(num_rows < 65535 ? num_rows : 65535));
  temperature_kernel<<<grid, kThreadsPerBlock, 0, stream>>>(logits, num_rows, vocab, temperature);
  return launch_status();
}

Status sampling_apply_min_p(float* logits, int64_t num_rows, int64_t vocab, const float* min_p,
                            cudaStream_t stream) {
  if (num_rows < 0 || vocab < 0) return Status::kInvalidArgument;
  if (num_rows * vocab == 0) return Status::kOk;
  min_p_kernel<<<static_cast<unsigned>(num_rows), kSamplingThreads, 0, stream>>>(logits, vocab, min_p);
  return launch_status();
}

}  // namespace vllmts::cuda
