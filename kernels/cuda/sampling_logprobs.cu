// CUDA twins of cpu/sampling_logprobs.cpp: log-softmax of chosen rows, top-k with the token's
// logprob and rank, and raw Philox. Top-k of up to kBlockTopK entries is selected by radix and
// sorted in shared memory; larger k (the whole vocabulary for logprobs = -1) sorts each row with
// Thrust, which is rare enough to afford its allocations.
#include <thrust/execution_policy.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>

#include "cpu/sampling_philox.h"
#include "cuda/launch.cuh"
#include "cuda/sampling.cuh"
#include "cuda/sampling_block.cuh"

namespace vllmts::cuda {
namespace {

constexpr int kBlockTopK = 1024;

__global__ void log_softmax_rows_kernel(float* out, const float* logits, int64_t num_rows, int64_t vocab,
                                        const int32_t* rows) {
  __shared__ float floats[kSamplingWarps];
  __shared__ double doubles[kSamplingWarps];
  const int32_t row = rows[blockIdx.x];
  float* y = out + blockIdx.x * vocab;
  if (row < 0 || row >= num_rows) return;
  const float* x = logits + row * vocab;
  float m = -INFINITY;
  for (int64_t v = threadIdx.x; v < vocab; v += blockDim.x) m = MaxOp()(m, x[v]);
  m = block_reduce(m, MaxOp(), floats);
  if (!(m > -INFINITY && m < INFINITY)) {
    for (int64_t v = threadIdx.x; v < vocab; v += blockDim.x) y[v] = x[v] == m && m > -INFINITY ? 0.0f : -INFINITY;
    return;
  }
  double total = 0.0;
  for (int64_t v = threadIdx.x; v < vocab; v += blockDim.x) total += expf(x[v] - m);
  total = block_reduce(total, SumOp(), doubles);
  const float shift = m + static_cast<float>(log(total));
  for (int64_t v = threadIdx.x; v < vocab; v += blockDim.x) y[v] = x[v] - shift;
}

struct GatherShared {
  float floats[kSamplingWarps];
  int32_t ints[kSamplingWarps];
  RadixBins bins;
  float values[kBlockTopK];
  int32_t indices[kBlockTopK];
  int32_t filled;
  int64_t running;
  int32_t found;
};

// (value descending, index ascending), -1 indices (padding) last.
__device__ __forceinline__ bool ranks_before(float va, int32_t ia, float vb, int32_t ib) {
  if (ia < 0 || ib < 0) return ib < 0 && ia >= 0;
  return va > vb || (va == vb && ia < ib);
}

// The index of the n-th (1-based) token whose key is `key`, in index order (INT32_MAX if none).
__device__ int32_t nth_with_key(const float* x, int64_t vocab, uint32_t key, int64_t n, GatherShared& sh) {
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (threadIdx.x == 0) {
    sh.running = 0;
    sh.found = INT32_MAX;
  }
  __syncthreads();
  for (int64_t base = 0; base < vocab; base += blockDim.x) {
    const int64_t i = base + threadIdx.x;
    const bool flag = i < vocab && float_key(x[i]) == key;
    const uint32_t ballot = __ballot_sync(0xffffffffu, flag);
    if (lane == 0) sh.ints[warp] = __popc(ballot);
    __syncthreads();
    int64_t before = sh.running;
    for (int w = 0; w < warp; ++w) before += sh.ints[w];
    if (flag && before + __popc(ballot & ((1u << lane) - 1u)) + 1 == n) sh.found = static_cast<int32_t>(i);
    __syncthreads();
    if (threadIdx.x == 0) {
      for (int w = 0; w < kSamplingWarps; ++w) sh.running += sh.ints[w];
    }
    __syncthreads();
    if (sh.found != INT32_MAX) break;
  }
  return sh.found;
}

// One block per row: the token's logprob and rank, and (for k <= kBlockTopK) the sorted top-k.
__global__ void gather_kernel(int32_t* top_ids, float* top_logprobs, int64_t max_k, float* token_logprob,
                              int32_t* token_rank, const float* logprobs, int64_t vocab, const int32_t* num_topk,
                              const int32_t* token_ids, int64_t num_token_ids, const int32_t* token_index,
                              bool block_top_k) {
  __shared__ GatherShared sh;
  const int64_t j = blockIdx.x;
  const float* x = logprobs + j * vocab;
  const int32_t at = token_index[j];
  const int32_t token = at >= 0 && at < num_token_ids ? token_ids[at] : -1;
  const float value = token >= 0 && token < vocab ? x[token] : NAN;
  int32_t greater = 0;
  for (int64_t v = threadIdx.x; v < vocab; v += blockDim.x) greater += x[v] > value ? 1 : 0;
  greater = block_reduce(greater, SumOp(), sh.ints);
  if (threadIdx.x == 0) {
    token_logprob[j] = value;
    token_rank[j] = value == value ? 1 + greater : 0;
  }
  if (!block_top_k) return;
  const int64_t k = min(static_cast<int64_t>(max(num_topk[j], 0)), min(max_k, vocab));
  for (int64_t i = threadIdx.x; i < max_k; i += blockDim.x) {
    top_ids[j * max_k + i] = -1;
    top_logprobs[j * max_k + i] = -INFINITY;
  }
  if (k == 0) return;
  const auto key_of = [&](int64_t i) { return float_key(x[i]); };
  const uint32_t kth = radix_kth_key(vocab, key_of, static_cast<uint32_t>(k), sh.bins);
  int32_t above = 0;
  for (int64_t v = threadIdx.x; v < vocab; v += blockDim.x) above += key_of(v) > kth ? 1 : 0;
  above = block_reduce(above, SumOp(), sh.ints);
  const int32_t last_tie = nth_with_key(x, vocab, kth, k - above, sh);
  if (threadIdx.x == 0) sh.filled = 0;
  for (int i = threadIdx.x; i < kBlockTopK; i += blockDim.x) sh.indices[i] = -1;
  __syncthreads();
  for (int64_t v = threadIdx.x; v < vocab; v += blockDim.x) {
    const uint32_t key = key_of(v);
    if (key > kth || (key == kth && v <= last_tie)) {
      const int32_t slot = atomicAdd(&sh.filled, 1);
      if (slot < kBlockTopK) {
        sh.values[slot] = x[v];
        sh.indices[slot] = static_cast<int32_t>(v);
      }
    }
  }
  __syncthreads();
  // Bitonic sort of the (padded) kBlockTopK entries.
  for (int size = 2; size <= kBlockTopK; size <<= 1) {
    for (int stride = size >> 1; stride > 0; stride >>= 1) {
      for (int i = threadIdx.x; i < kBlockTopK; i += blockDim.x) {
        const int partner = i ^ stride;
        if (partner > i) {
          const bool ascending = (i & size) == 0;
          const bool swap = ascending ? ranks_before(sh.values[partner], sh.indices[partner], sh.values[i], sh.indices[i])
                                      : ranks_before(sh.values[i], sh.indices[i], sh.values[partner], sh.indices[partner]);
          if (swap) {
            const float tv = sh.values[i];
            const int32_t ti = sh.indices[i];
            sh.values[i] = sh.values[partner];
            sh.indices[i] = sh.indices[partner];
            sh.values[partner] = tv;
            sh.indices[partner] = ti;
          }
        }
      }
      __syncthreads();
    }
  }
  for (int64_t i = threadIdx.x; i < k; i += blockDim.x) {
    top_ids[j * max_k + i] = sh.indices[i];
    top_logprobs[j * max_k + i] = sh.values[i];
  }
}

// Large k: a row sorted by (key descending, index ascending) in `order`, copied out up to its k.
__global__ void copy_sorted_kernel(int32_t* top_ids, float* top_logprobs, int64_t max_k, const float* row,
                                   const int32_t* order, int64_t vocab, const int32_t* num_topk) {
  const int64_t k = min(static_cast<int64_t>(max(*num_topk, 0)), min(max_k, vocab));
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < max_k; i += int64_t{gridDim.x} * blockDim.x) {
    top_ids[i] = i < k ? order[i] : -1;
    top_logprobs[i] = i < k ? row[order[i]] : -INFINITY;
  }
}

__global__ void descending_keys_kernel(uint32_t* keys, const float* row, int64_t vocab) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < vocab; i += int64_t{gridDim.x} * blockDim.x) {
    keys[i] = ~float_key(row[i]);
  }
}

__global__ void philox_kernel(uint32_t* out, const uint32_t* counters, const uint32_t* keys, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    uint32_t c0 = counters[4 * i], c1 = counters[4 * i + 1], c2 = counters[4 * i + 2], c3 = counters[4 * i + 3];
    sampling::philox4x32_10(c0, c1, c2, c3, keys[2 * i], keys[2 * i + 1]);
    out[4 * i] = c0;
    out[4 * i + 1] = c1;
    out[4 * i + 2] = c2;
    out[4 * i + 3] = c3;
  }
}

}  // namespace

Status sampling_log_softmax_rows(float* out, const float* logits, int64_t num_rows, int64_t vocab,
                                 const int32_t* rows, int64_t num_out, cudaStream_t stream) {
  if (num_rows < 0 || vocab < 0 || num_out < 0) return Status::kInvalidArgument;
  if (num_out == 0 || vocab == 0) return Status::kOk;
  log_softmax_rows_kernel<<<static_cast<unsigned>(num_out), kSamplingThreads, 0, stream>>>(out, logits, num_rows,
                                                                                           vocab, rows);
  return launch_status();
}

Status sampling_gather_logprobs(int32_t* top_ids, float* top_logprobs, int64_t max_k, float* token_logprob,
                                int32_t* token_rank, const float* logprobs, int64_t num_rows, int64_t vocab,
                                const int32_t* num_topk, const int32_t* token_ids, int64_t num_token_ids,
                                const int32_t* token_index, cudaStream_t stream) {
  if (num_rows < 0 || vocab < 0 || max_k < 0 || num_token_ids < 0 || vocab > INT32_MAX) {
    return Status::kInvalidArgument;
  }
  if (num_rows == 0 || vocab == 0) return Status::kOk;
  const bool block_top_k = max_k <= kBlockTopK;
  gather_kernel<<<static_cast<unsigned>(num_rows), kSamplingThreads, 0, stream>>>(
      top_ids, top_logprobs, max_k, token_logprob, token_rank, logprobs, vocab, num_topk, token_ids, num_token_ids,
      token_index, block_top_k);
  Status status = launch_status();
  if (status != Status::kOk || block_top_k) return status;
  uint32_t* keys = nullptr;
  int32_t* order = nullptr;
  if (cudaMallocAsync(&keys, static_cast<size_t>(vocab) * sizeof(uint32_t), stream) != cudaSuccess ||
      cudaMallocAsync(&order, static_cast<size_t>(vocab) * sizeof(int32_t), stream) != cudaSuccess) {
    if (keys != nullptr) cudaFreeAsync(keys, stream);
    return Status::kOutOfMemory;
  }
  try {
    const auto policy = thrust::cuda::par.on(stream);
    for (int64_t j = 0; j < num_rows && status == Status::kOk; ++j) {
      const float* row = logprobs + j * vocab;
      descending_keys_kernel<<<grid_for(vocab), kThreadsPerBlock, 0, stream>>>(keys, row, vocab);
      thrust::sequence(policy, order, order + vocab);
      thrust::stable_sort_by_key(policy, keys, keys + vocab, order);
      copy_sorted_kernel<<<grid_for(max_k), kThreadsPerBlock, 0, stream>>>(
          top_ids + j * max_k, top_logprobs + j * max_k, max_k, row, order, vocab, num_topk + j);
      status = launch_status();
    }
  } catch (const std::bad_alloc&) {
    status = Status::kOutOfMemory;
  } catch (const std::exception&) {
    status = Status::kDeviceError;
  }
  cudaFreeAsync(keys, stream);
  cudaFreeAsync(order, stream);
  return status;
}

Status sampling_philox(uint32_t* out, const uint32_t* counters, const uint32_t* keys, int64_t n, cudaStream_t stream) {
  if (n < 0) return Status::kInvalidArgument;
  if (n == 0) return Status::kOk;
  philox_kernel<<<grid_for(n), kThreadsPerBlock, 0, stream>>>(out, counters, keys, n);
  return launch_status();
}

}  // namespace vllmts::cuda
