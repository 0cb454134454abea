#include <algorithm>
#include <type_traits>

#include "cuda/dense_rows.cuh"
#include "cuda/launch.cuh"
#include "cuda/moe.cuh"

namespace vllmts::cuda {
namespace {

using namespace dense;

constexpr int kRouteWarps = 4;

// One warp per token: softmax statistics over the experts, then k rounds of "the largest rank key
// below the last one chosen" (probabilities are recomputed each round: experts are few). Lane 0
// writes the choices and renormalises them.
template <class S>
__global__ void __launch_bounds__(32 * kRouteWarps)
    moe_route_kernel(const typename S::Raw* logits, int64_t tokens, int experts, int top_k, bool renormalize,
                     float* weights, int32_t* ids) {
  const int lane = static_cast<int>(threadIdx.x & 31);
  const int64_t first = int64_t{blockIdx.x} * kRouteWarps + (threadIdx.x >> 5);
  for (int64_t t = first; t < tokens; t += int64_t{gridDim.x} * kRouteWarps) {
    const typename S::Raw* row = logits + t * experts;
    float max = -INFINITY;
    for (int e = lane; e < experts; e += 32) max = MaxNan()(max, S::load(row[e]));
    max = warp_allreduce(max, MaxNan());
    float sum = 0.0f;
    for (int e = lane; e < experts; e += 32) sum += expf(S::load(row[e]) - max);
    sum = warp_allreduce(sum, Sum());
    unsigned long long bound = ~0ull;
    float picked = 0.0f;
    for (int j = 0; j < top_k; ++j) {
      unsigned long long best = 0;
      for (int e = lane; e < experts; e += 32) {
        const unsigned long long key = rank_key(expf(S::load(row[e]) - max) / sum, e);
        if ((j == 0 || key < bound) && key > best) best = key;
      }
      best = warp_allreduce(best, MaxU64());
      bound = best;
      const int32_t expert = rank_index(best);
      const float p = expf(S::load(row[expert]) - max) / sum;
      picked += p;
      if (lane == 0) {
        weights[t * top_k + j] = p;
        ids[t * top_k + j] = expert;
      }
    }
    if (renormalize && lane == 0) {
      for (int j = 0; j < top_k; ++j) weights[t * top_k + j] /= picked;
    }
  }
}

// blockIdx.y walks the tokens; a token routed to `expert` adds its weighted expert output.
template <class S, int kVec>
__global__ void __launch_bounds__(256)
    moe_accumulate_kernel(float* acc, const typename S::Raw* y, int64_t tokens, int64_t hidden, const float* weights,
                          const int32_t* ids, int top_k, int32_t expert) {
  const int64_t p = int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (p >= hidden / kVec) return;
  for (int64_t t = blockIdx.y; t < tokens; t += gridDim.y) {
    bool routed = false;
    for (int j = 0; j < top_k; ++j) routed |= ids[t * top_k + j] == expert;
    if (!routed) continue;
    float v[kVec], a[kVec];
    load_vec<S, kVec>(y + t * hidden + p * kVec, v);
    load_vec<F32, kVec>(acc + t * hidden + p * kVec, a);
    for (int j = 0; j < top_k; ++j) {
      if (ids[t * top_k + j] != expert) continue;
      const float w = weights[t * top_k + j];
#pragma unroll
      for (int i = 0; i < kVec; ++i) a[i] += w * v[i];
    }
    store_vec<F32, kVec>(acc + t * hidden + p * kVec, a);
  }
}

}  // namespace

Status moe_route(const void* logits, DType logits_dtype, int64_t tokens, int64_t experts, int64_t top_k,
                 bool renormalize, float* weights, int32_t* ids, cudaStream_t stream) {
  if (tokens < 0 || experts <= 0 || top_k <= 0 || top_k > experts || experts > INT32_MAX) {
    return Status::kInvalidArgument;
  }
  return with_storage(logits_dtype, [&](auto s) {
    using S = decltype(s);
    if (tokens == 0) return Status::kOk;
    const unsigned grid = static_cast<unsigned>(std::min<int64_t>(ceil_div(tokens, kRouteWarps), int64_t{1} << 20));
    moe_route_kernel<S><<<grid, 32 * kRouteWarps, 0, stream>>>(static_cast<const typename S::Raw*>(logits), tokens,
                                                                static_cast<int>(experts), static_cast<int>(top_k),
                                                                renormalize, weights, ids);
    return launch_status();
  });
}

Status moe_accumulate(float* acc, const void* y, DType dtype, int64_t tokens, int64_t hidden, const float* weights,
                      const int32_t* ids, int64_t top_k, int32_t expert, cudaStream_t stream) {
  if (tokens < 0 || hidden < 0 || top_k <= 0 || top_k > INT32_MAX) return Status::kInvalidArgument;
  return with_storage(dtype, [&](auto s) {
    using S = decltype(s);
    if (tokens == 0 || hidden == 0) return Status::kOk;
    const auto run = [&](auto vec) {
      constexpr int kVec = decltype(vec)::value;
      const int64_t packs = hidden / kVec;
      const int threads = static_cast<int>(std::clamp<int64_t>(ceil_div(packs, 32) * 32, 32, 256));
      const dim3 grid(static_cast<unsigned>(ceil_div(packs, threads)),
                      static_cast<unsigned>(std::min<int64_t>(tokens, 65535)));
      moe_accumulate_kernel<S, kVec><<<grid, threads, 0, stream>>>(
          acc, static_cast<const typename S::Raw*>(y), tokens, hidden, weights, ids, static_cast<int>(top_k), expert);
      return launch_status();
    };
    if (hidden % kVecOf<S> == 0 && aligned16({acc, y})) return run(std::integral_constant<int, kVecOf<S>>{});
    return run(std::integral_constant<int, 1>{});
  });
}

}  // namespace vllmts::cuda
