#include <cmath>
#include <type_traits>

#include "cuda/dense_rows.cuh"
#include "cuda/launch.cuh"
#include "cuda/softmax.cuh"

namespace vllmts::cuda {
namespace {

using namespace dense;

// A running softmax denominator: sum = Σ exp(x - max) over the values seen.
struct MaxSum {
  float max;
  float sum;
};

// Combines two partial (max, sum). A part that saw only -inf contributes nothing (exp of
// -inf - -inf would be NaN); a NaN max poisons the sum, as it should.
__device__ __forceinline__ MaxSum merge(MaxSum a, MaxSum b) {
  const float max = MaxNan()(a.max, b.max);
  if (max == -INFINITY) return {max, 0.0f};
  const float sa = a.max == -INFINITY ? 0.0f : a.sum * expf(a.max - max);
  const float sb = b.max == -INFINITY ? 0.0f : b.sum * expf(b.max - max);
  return {max, sa + sb};
}

template <int N>
__device__ __forceinline__ MaxSum summarize(const float (&v)[N]) {
  float max = -INFINITY;
#pragma unroll
  for (int j = 0; j < N; ++j) max = MaxNan()(max, v[j]);
  float sum = 0.0f;
  if (max != -INFINITY) {
#pragma unroll
    for (int j = 0; j < N; ++j) sum += expf(v[j] - max);
  }
  return {max, sum};
}

__device__ __forceinline__ MaxSum row_merge(MaxSum v, bool warp_rows, MaxSum* scratch) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) {
    const MaxSum other{__shfl_xor_sync(0xffffffffu, v.max, offset), __shfl_xor_sync(0xffffffffu, v.sum, offset)};
    v = merge(v, other);
  }
  if (warp_rows) return v;
  const int warp = static_cast<int>(threadIdx.x >> 5);
  const int lane = static_cast<int>(threadIdx.x & 31);
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  v = lane < static_cast<int>(blockDim.x >> 5) ? scratch[lane] : MaxSum{-INFINITY, 0.0f};
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) {
    const MaxSum other{__shfl_xor_sync(0xffffffffu, v.max, offset), __shfl_xor_sync(0xffffffffu, v.sum, offset)};
    v = merge(v, other);
  }
  return v;
}

template <class SX, class SO, int kVec, bool kLog>
__global__ void __launch_bounds__(1024)
    softmax_kernel(const typename SX::Raw* x, typename SO::Raw* out, int64_t rows, int cols, bool warp_rows,
                   int64_t groups) {
  __shared__ MaxSum scratch[32];
  const int packs = cols / kVec;
  for (int64_t g = blockIdx.x; g < groups; g += gridDim.x) {
    const RowSlot slot = row_slot(warp_rows, g);
    if (slot.row >= rows) continue;
    const typename SX::Raw* xr = x + slot.row * cols;
    typename SO::Raw* orow = out + slot.row * cols;
    float v[kCachePacks][kVec];
    MaxSum running{-INFINITY, 0.0f};
#pragma unroll
    for (int i = 0; i < kCachePacks; ++i) {
      const int p = slot.lane + i * slot.width;
      if (p < packs) {
        load_vec<SX, kVec>(xr + p * kVec, v[i]);
        running = merge(running, summarize(v[i]));
      }
    }
    for (int p = slot.lane + kCachePacks * slot.width; p < packs; p += slot.width) {
      float t[kVec];
      load_vec<SX, kVec>(xr + p * kVec, t);
      running = merge(running, summarize(t));
    }
    const MaxSum total = row_merge(running, warp_rows, scratch);
    const float inv = 1.0f / total.sum;
    const float log_sum = logf(total.sum);
    const auto finish = [&](float(&t)[kVec], int p) {
#pragma unroll
      for (int j = 0; j < kVec; ++j) t[j] = kLog ? (t[j] - total.max) - log_sum : expf(t[j] - total.max) * inv;
      store_vec<SO, kVec>(orow + p * kVec, t);
    };
#pragma unroll
    for (int i = 0; i < kCachePacks; ++i) {
      const int p = slot.lane + i * slot.width;
      if (p < packs) finish(v[i], p);
    }
    for (int p = slot.lane + kCachePacks * slot.width; p < packs; p += slot.width) {
      float t[kVec];
      load_vec<SX, kVec>(xr + p * kVec, t);
      finish(t, p);
    }
  }
}

}  // namespace

Status softmax(const void* x, DType x_dtype, void* out, DType out_dtype, int64_t rows, int64_t cols, bool log,
               cudaStream_t stream) {
  if (rows < 0 || cols < 0 || cols > INT32_MAX) return Status::kInvalidArgument;
  return with_storage(x_dtype, [&](auto sx) {
    using SX = decltype(sx);
    return with_storage(out_dtype, [&](auto so) {
      using SO = decltype(so);
      if (rows == 0 || cols == 0) return Status::kOk;
      const auto run = [&](auto vec) {
        constexpr int kVec = decltype(vec)::value;
        const RowPlan plan = plan_rows(rows, cols / kVec);
        const auto* in = static_cast<const typename SX::Raw*>(x);
        auto* to = static_cast<typename SO::Raw*>(out);
        if (log) {
          softmax_kernel<SX, SO, kVec, true><<<plan.grid, plan.threads, 0, stream>>>(
              in, to, rows, static_cast<int>(cols), plan.warp_rows, plan.groups);
        } else {
          softmax_kernel<SX, SO, kVec, false><<<plan.grid, plan.threads, 0, stream>>>(
              in, to, rows, static_cast<int>(cols), plan.warp_rows, plan.groups);
        }
        return launch_status();
      };
      if (cols % kVecOf<SX> == 0 && aligned16({x, out})) return run(std::integral_constant<int, kVecOf<SX>>{});
      return run(std::integral_constant<int, 1>{});
    });
  });
}

}  // namespace vllmts::cuda
