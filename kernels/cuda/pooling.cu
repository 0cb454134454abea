#include <algorithm>
#include <type_traits>

#include "cuda/dense_rows.cuh"
#include "cuda/launch.cuh"
#include "cuda/pooling.cuh"

namespace vllmts::cuda {
namespace {

using namespace dense;

constexpr int kPoolWarps = 8;

// blockIdx.y walks the sequences, blockIdx.x covers 32 vectors of columns (one per lane); the
// block's warps take every kPoolWarps-th token of the range, and warp 0 adds their partial sums
// in a fixed order (deterministic, like the CPU's single running sum up to float rounding).
template <class SX, class SO, int kVec>
__global__ void __launch_bounds__(32 * kPoolWarps)
    mean_pool_kernel(const typename SX::Raw* x, typename SO::Raw* out, int64_t tokens, int hidden,
                     const int32_t* start_loc, int64_t sequences) {
  __shared__ float partial[kPoolWarps][32][kVec];
  const int lane = static_cast<int>(threadIdx.x & 31);
  const int warp = static_cast<int>(threadIdx.x >> 5);
  const int64_t p = int64_t{blockIdx.x} * 32 + lane;
  const bool active = p < hidden / kVec;
  for (int64_t s = blockIdx.y; s < sequences; s += gridDim.y) {
    const int64_t begin = std::clamp<int64_t>(start_loc[s], 0, tokens);
    const int64_t end = std::clamp<int64_t>(start_loc[s + 1], begin, tokens);
    float sum[kVec] = {};
    if (active) {
      for (int64_t t = begin + warp; t < end; t += kPoolWarps) {
        float v[kVec];
        load_vec<SX, kVec>(x + t * hidden + p * kVec, v);
#pragma unroll
        for (int j = 0; j < kVec; ++j) sum[j] += v[j];
      }
    }
#pragma unroll
    for (int j = 0; j < kVec; ++j) partial[warp][lane][j] = sum[j];
    __syncthreads();
    if (warp == 0 && active) {
      const float count = static_cast<float>(end - begin);
#pragma unroll
      for (int j = 0; j < kVec; ++j) {
        float total = 0.0f;
        for (int w = 0; w < kPoolWarps; ++w) total += partial[w][lane][j];
        sum[j] = total / count;
      }
      store_vec<SO, kVec>(out + s * hidden + p * kVec, sum);
    }
    __syncthreads();  // partial is rewritten for the next sequence
  }
}

template <class SX, class SO, int kVec>
__global__ void __launch_bounds__(1024)
    l2_normalize_kernel(const typename SX::Raw* x, typename SO::Raw* out, int64_t rows, int cols, bool warp_rows,
                        int64_t groups) {
  __shared__ float scratch[32];
  const int packs = cols / kVec;
  for (int64_t g = blockIdx.x; g < groups; g += gridDim.x) {
    const RowSlot slot = row_slot(warp_rows, g);
    if (slot.row >= rows) continue;
    const typename SX::Raw* xr = x + slot.row * cols;
    typename SO::Raw* orow = out + slot.row * cols;
    float v[kCachePacks][kVec];
    float squares = 0.0f;
#pragma unroll
    for (int i = 0; i < kCachePacks; ++i) {
      const int p = slot.lane + i * slot.width;
      if (p < packs) {
        load_vec<SX, kVec>(xr + p * kVec, v[i]);
#pragma unroll
        for (int j = 0; j < kVec; ++j) squares += v[i][j] * v[i][j];
      }
    }
    for (int p = slot.lane + kCachePacks * slot.width; p < packs; p += slot.width) {
      float t[kVec];
      load_vec<SX, kVec>(xr + p * kVec, t);
#pragma unroll
      for (int j = 0; j < kVec; ++j) squares += t[j] * t[j];
    }
    const float norm = sqrtf(row_allreduce(squares, Sum(), 0.0f, warp_rows, scratch));
    const float denominator = fmaxf(norm, 1e-12f);
#pragma unroll
    for (int i = 0; i < kCachePacks; ++i) {
      const int p = slot.lane + i * slot.width;
      if (p < packs) {
#pragma unroll
        for (int j = 0; j < kVec; ++j) v[i][j] /= denominator;
        store_vec<SO, kVec>(orow + p * kVec, v[i]);
      }
    }
    for (int p = slot.lane + kCachePacks * slot.width; p < packs; p += slot.width) {
      float t[kVec];
      load_vec<SX, kVec>(xr + p * kVec, t);
#pragma unroll
      for (int j = 0; j < kVec; ++j) t[j] /= denominator;
      store_vec<SO, kVec>(orow + p * kVec, t);
    }
  }
}

}  // namespace

Status mean_pool(const void* x, DType x_dtype, int64_t tokens, int64_t hidden, const int32_t* start_loc,
                 int64_t sequences, void* out, DType out_dtype, cudaStream_t stream) {
  if (tokens < 0 || hidden < 0 || sequences < 0 || hidden > INT32_MAX) return Status::kInvalidArgument;
  return with_storage(x_dtype, [&](auto sx) {
    using SX = decltype(sx);
    return with_storage(out_dtype, [&](auto so) {
      using SO = decltype(so);
      if (sequences == 0 || hidden == 0) return Status::kOk;
      const auto run = [&](auto vec) {
        constexpr int kVec = decltype(vec)::value;
        const dim3 grid(static_cast<unsigned>(ceil_div(hidden / kVec, 32)),
                        static_cast<unsigned>(std::min<int64_t>(sequences, 65535)));
        mean_pool_kernel<SX, SO, kVec><<<grid, 32 * kPoolWarps, 0, stream>>>(
            static_cast<const typename SX::Raw*>(x), static_cast<typename SO::Raw*>(out), tokens,
            static_cast<int>(hidden), start_loc, sequences);
        return launch_status();
      };
      if (hidden % kVecOf<SX> == 0 && aligned16({x, out})) return run(std::integral_constant<int, kVecOf<SX>>{});
      return run(std::integral_constant<int, 1>{});
    });
  });
}

Status l2_normalize(const void* x, DType x_dtype, void* out, DType out_dtype, int64_t rows, int64_t cols,
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
        l2_normalize_kernel<SX, SO, kVec><<<plan.grid, plan.threads, 0, stream>>>(
            static_cast<const typename SX::Raw*>(x), static_cast<typename SO::Raw*>(out), rows,
            static_cast<int>(cols), plan.warp_rows, plan.groups);
        return launch_status();
      };
      if (cols % kVecOf<SX> == 0 && aligned16({x, out})) return run(std::integral_constant<int, kVecOf<SX>>{});
      return run(std::integral_constant<int, 1>{});
    });
  });
}

}  // namespace vllmts::cuda
