// How the row-wise dense kernels (norms, softmax, argmax, L2 normalisation) spread a [rows, cols]
// tensor over the GPU: a short row goes to one warp (four rows per 128-thread block), a long row to
// one block of up to 1024 threads. Each thread keeps up to kCachePacks vectors of its row in
// registers, so a row whose statistics need a second look is still read from memory once; longer
// rows re-read the rest (from L2). Blocks walk row groups grid-stride.
#pragma once

#include <algorithm>
#include <cstdint>

#include "cuda/dense_types.cuh"

namespace vllmts::cuda::dense {

constexpr int kCachePacks = 4;
constexpr int kWarpRowsPerBlock = 4;
constexpr int64_t kMaxGrid = int64_t{1} << 20;

struct RowPlan {
  int threads;     // per block
  bool warp_rows;  // one warp per row (kWarpRowsPerBlock rows per block), else one block per row
  int64_t groups;  // rows per block, rounded up: what blockIdx.x walks
  unsigned grid;
};

/// The plan for `rows` rows of `packs` vectors: enough threads that each holds ≤ kCachePacks.
inline RowPlan plan_rows(int64_t rows, int64_t packs) {
  const int64_t want = ceil_div(packs, kCachePacks);
  RowPlan plan{};
  plan.warp_rows = want <= 32;
  plan.threads =
      plan.warp_rows ? 32 * kWarpRowsPerBlock : static_cast<int>(std::min<int64_t>(1024, ceil_div(want, 32) * 32));
  plan.groups = plan.warp_rows ? ceil_div(rows, kWarpRowsPerBlock) : rows;
  plan.grid = static_cast<unsigned>(std::clamp<int64_t>(plan.groups, 1, kMaxGrid));
  return plan;
}

/// A thread's row in row group `group`, its index among the row's threads, and their number.
struct RowSlot {
  int64_t row;
  int lane;
  int width;
};

__device__ __forceinline__ RowSlot row_slot(bool warp_rows, int64_t group) {
  if (warp_rows) return {group * kWarpRowsPerBlock + (threadIdx.x >> 5), static_cast<int>(threadIdx.x & 31), 32};
  return {group, static_cast<int>(threadIdx.x), static_cast<int>(blockDim.x)};
}

struct Sum {
  template <class T>
  __device__ __forceinline__ T operator()(T a, T b) const { return a + b; }
};

/// The larger value, NaN if either is NaN (a row holding NaN has NaN for its maximum).
struct MaxNan {
  __device__ __forceinline__ float operator()(float a, float b) const { return a != a ? a : (b != b || b > a ? b : a); }
};

struct MaxU64 {
  __device__ __forceinline__ unsigned long long operator()(unsigned long long a, unsigned long long b) const {
    return b > a ? b : a;
  }
};

/// A total order for selecting maxima as one 64-bit integer: the value's order-preserving key in
/// the high half (NaN above everything, -0 equal to +0, as the CPU kernels compare), the index
/// complemented in the low half (ties go to the lower index). Never 0 for a real element.
__device__ __forceinline__ unsigned long long rank_key(float v, int64_t index) {
  uint32_t key;
  if (v != v) {
    key = 0xffffffffu;
  } else {
    const uint32_t bits = __float_as_uint(v == 0.0f ? 0.0f : v);
    key = (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
  }
  return (static_cast<unsigned long long>(key) << 32) | (0xffffffffu - static_cast<uint32_t>(index));
}

/// The element index a rank_key holds.
__device__ __forceinline__ int32_t rank_index(unsigned long long rank) {
  return static_cast<int32_t>(0xffffffffu - static_cast<uint32_t>(rank));
}

template <class T, class Op>
__device__ __forceinline__ T warp_allreduce(T v, Op op) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

/// Reduces `v` over the threads of one row (its warp, or with block rows the whole block through
/// `scratch`, 32 entries of shared memory); every thread of the row gets the result. With block
/// rows, every thread of the block must call it.
template <class T, class Op>
__device__ __forceinline__ T row_allreduce(T v, Op op, T identity, bool warp_rows, T* scratch) {
  v = warp_allreduce(v, op);
  if (warp_rows) return v;
  const int warp = static_cast<int>(threadIdx.x >> 5);
  const int lane = static_cast<int>(threadIdx.x & 31);
  __syncthreads();  // readers of the previous reduction are done with scratch
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < static_cast<int>(blockDim.x >> 5) ? scratch[lane] : identity;
  return warp_allreduce(v, op);
}

}  // namespace vllmts::cuda::dense
