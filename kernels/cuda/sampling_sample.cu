// CUDA twin of cpu/sampling_sample.cpp: one block per row. Greedy rows take the argmax. Random rows
// find their truncation as a cut in the order (logit descending, index ascending) — top-k by a
// radix selection of the k-th largest key, top-p by a radix selection by probability mass, ties at
// the cut resolved in index order — then race every kept token with the same Philox draws as the
// CPU: counter (i / 4, position, 0, 0), word i % 4.
#include "cpu/sampling_philox.h"
#include "cuda/launch.cuh"
#include "cuda/sampling.cuh"
#include "cuda/sampling_block.cuh"

namespace vllmts::cuda {
namespace {

// Four consecutive logits from 4·group on: one 16-byte load when the row allows it (`vec`: vocab a
// multiple of 4, so every row starts 16-byte aligned), else scalar loads, -inf past the row's end.
// Wide loads keep enough bytes in flight for these single-pass, bandwidth-bound loops.
__device__ __forceinline__ float4 load_group(const float* x, int64_t group, int64_t vocab, bool vec) {
  if (vec) return reinterpret_cast<const float4*>(x)[group];
  const int64_t i = 4 * group;
  return make_float4(x[i], i + 1 < vocab ? x[i + 1] : -INFINITY, i + 2 < vocab ? x[i + 2] : -INFINITY,
                     i + 3 < vocab ? x[i + 3] : -INFINITY);
}

__device__ __forceinline__ float lane_of(const float4& v, int j) {
  return j == 0 ? v.x : (j == 1 ? v.y : (j == 2 ? v.z : v.w));
}

struct SampleShared {
  float floats[kSamplingWarps];
  int32_t ints[kSamplingWarps];
  double doubles[kSamplingWarps];
  RadixBins bins;
  int64_t running;
  int32_t found;
};

// The index of the n-th (1-based) token whose key is `key`, in index order; INT32_MAX when the
// row has fewer. Walks the row a block-width at a time with warp ballots.
__device__ int32_t nth_index_with_key(const float* x, int64_t vocab, uint32_t key, int64_t n, SampleShared& sh) {
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

__global__ void sample_kernel(int32_t* out, const float* logits, int64_t vocab, const float* temperature,
                              const int32_t* top_k, const float* top_p, const uint32_t* seeds,
                              const int32_t* positions) {
  __shared__ SampleShared sh;
  const int64_t r = blockIdx.x;
  const float* x = logits + r * vocab;
  const bool vec = vocab % 4 == 0 && reinterpret_cast<uintptr_t>(logits) % 16 == 0;
  const int64_t groups = (vocab + 3) / 4;
  float m = -INFINITY;
#pragma unroll 4
  for (int64_t group = threadIdx.x; group < groups; group += blockDim.x) {
    const float4 v = load_group(x, group, vocab, vec);
    m = MaxOp()(MaxOp()(MaxOp()(MaxOp()(m, v.x), v.y), v.z), v.w);
  }
  m = block_reduce(m, MaxOp(), sh.floats);

  if (temperature[r] < 1e-5f || !(m > -INFINITY)) {
    int32_t first = INT32_MAX;
    for (int64_t i = threadIdx.x; i < vocab && first == INT32_MAX; i += blockDim.x) {
      if (x[i] == m) first = static_cast<int32_t>(i);
    }
    first = block_reduce(first, MinOp(), sh.ints);
    if (threadIdx.x == 0) out[r] = first == INT32_MAX ? 0 : first;
    return;
  }

  // The cut: token i is kept when key_i > cut_key, or key_i == cut_key and i <= cut_index.
  uint32_t cut_key = 0;  // every key (-inf's included) is above 0: no truncation
  int32_t cut_index = INT32_MAX;
  const int32_t k = top_k[r];
  const float p = top_p[r];
  const auto key_of = [&](int64_t i) { return float_key(x[i]); };
  if (k > 0 && k < vocab) cut_key = radix_kth_key(vocab, key_of, static_cast<uint32_t>(k), sh.bins);
  if (p < 1.0f) {
    const uint32_t floor_key = cut_key;
    const auto weight_of = [&](int64_t i) {
      const float v = x[i];
      return float_key(v) >= floor_key && v > -INFINITY ? expf(v - m) : 0.0f;  // NaN: no weight
    };
    double total = 0.0;
    for (int64_t i = threadIdx.x; i < vocab; i += blockDim.x) total += weight_of(i);
    total = block_reduce(total, SumOp(), sh.doubles);
    const double target = static_cast<double>(p) * total;
    double above = 0.0;
    cut_key = radix_mass_key(vocab, key_of, weight_of, target, above, sh.bins);
    // Ties at the cut keep their first ceil((target - above) / w) tokens in index order (at least one).
    const double w = expf(key_float(cut_key) - m);
    const double need = w > 0.0 ? ceil((target - above) / w) : 1.0;
    const int64_t keep_ties = need < 1.0 ? 1 : (need > 2147483647.0 ? INT32_MAX : static_cast<int64_t>(need));
    cut_index = nth_index_with_key(x, vocab, cut_key, keep_ties, sh);
  }

  const auto* seed = seeds + 2 * r;
  const auto position = static_cast<uint32_t>(positions[r]);
  float best = -1.0f;
  int32_t best_index = INT32_MAX;
#pragma unroll 2
  for (int64_t group = threadIdx.x; group < groups; group += blockDim.x) {
    const float4 v = load_group(x, group, vocab, vec);
    uint32_t c[4] = {static_cast<uint32_t>(group), position, sampling::kRaceStream, 0u};
    sampling::philox4x32_10(c[0], c[1], c[2], c[3], seed[0], seed[1]);
    for (int j = 0; j < 4; ++j) {
      const int64_t i = 4 * group + j;
      if (i >= vocab) break;
      const float xi = lane_of(v, j);
      const uint32_t key = float_key(xi);
      if (key < cut_key || (key == cut_key && i > cut_index)) continue;
      const float score = expf(xi - m) / -logf(sampling::uniform_open01(c[j]));
      if (score > best) {  // indices grow within a thread, so ties keep the lower one
        best = score;
        best_index = static_cast<int32_t>(i);
      }
    }
  }
  block_argmax(best, best_index, sh.floats, sh.ints);
  if (threadIdx.x == 0) out[r] = best_index == INT32_MAX ? 0 : best_index;
}

}  // namespace

Status sampling_sample(int32_t* out, const float* logits, int64_t num_rows, int64_t vocab, const float* temperature,
                       const int32_t* top_k, const float* top_p, const uint32_t* seeds, const int32_t* positions,
                       cudaStream_t stream) {
  if (num_rows < 0 || vocab < 0 || vocab > INT32_MAX) return Status::kInvalidArgument;
  if (num_rows == 0) return Status::kOk;
  if (vocab == 0) return Status::kInvalidArgument;
  sample_kernel<<<static_cast<unsigned>(num_rows), kSamplingThreads, 0, stream>>>(out, logits, vocab, temperature,
                                                                                  top_k, top_p, seeds, positions);
  return launch_status();
}

}  // namespace vllmts::cuda
