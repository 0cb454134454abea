#include <algorithm>
#include <type_traits>

#include "cuda/dense_rows.cuh"
#include "cuda/launch.cuh"
#include "cuda/topk.cuh"

namespace vllmts::cuda {
namespace {

using namespace dense;

template <class S, int kVec>
__global__ void __launch_bounds__(1024)
    argmax_kernel(const typename S::Raw* x, int32_t* out, int64_t rows, int cols, bool warp_rows, int64_t groups) {
  __shared__ unsigned long long scratch[32];
  const int packs = cols / kVec;
  for (int64_t g = blockIdx.x; g < groups; g += gridDim.x) {
    const RowSlot slot = row_slot(warp_rows, g);
    if (slot.row >= rows) continue;
    const typename S::Raw* xr = x + slot.row * cols;
    unsigned long long best = 0;
#pragma unroll 4
    for (int p = slot.lane; p < packs; p += slot.width) {
      float t[kVec];
      load_vec<S, kVec>(xr + p * kVec, t);
#pragma unroll
      for (int j = 0; j < kVec; ++j) best = MaxU64()(best, rank_key(t[j], static_cast<int64_t>(p) * kVec + j));
    }
    best = row_allreduce(best, MaxU64(), 0ull, warp_rows, scratch);
    if (slot.lane == 0) out[slot.row] = rank_index(best);
  }
}

struct TopkShared {
  unsigned int count[256];                 // one radix pass's histogram
  unsigned long long items[kTopkChunk];    // the chunk's selected keys, then sorted
  unsigned int filled;
  unsigned int bin;                        // the bin holding the chunk's smallest key
  unsigned int above;                      // candidates in higher bins
  unsigned int bin_count;                  // candidates in that bin
};

// Warp 0: the bin where the running count of candidates, from the top bin down, reaches
// `remaining`. Lane l owns bins [8l, 8l + 8); suffix sums over lanes find the one lane whose range
// holds the crossing, and it scans its 8 bins.
__device__ __forceinline__ void choose_bin(TopkShared& sh, unsigned remaining) {
  const int lane = static_cast<int>(threadIdx.x);
  unsigned c[8];
  unsigned total = 0;
#pragma unroll
  for (int j = 0; j < 8; ++j) {
    c[j] = sh.count[lane * 8 + j];
    total += c[j];
  }
  unsigned suffix = total;  // this lane's bins and every higher lane's
#pragma unroll
  for (int offset = 1; offset < 32; offset <<= 1) {
    const unsigned other = __shfl_down_sync(0xffffffffu, suffix, offset);
    if (lane + offset < 32) suffix += other;
  }
  const unsigned above = suffix - total;
  if (above < remaining && remaining <= suffix) {
    unsigned acc = above;
#pragma unroll
    for (int j = 7; j >= 0; --j) {
      if (acc + c[j] >= remaining) {
        sh.bin = static_cast<unsigned>(lane * 8 + j);
        sh.above = acc;
        sh.bin_count = c[j];
        break;
      }
      acc += c[j];
    }
  }
}

template <class S>
__device__ __forceinline__ unsigned long long key_at(const typename S::Raw* xr, int i) {
  return rank_key(S::load(xr[i]), i);
}

// The smallest key of the `need` largest keys below `bound` (all keys when !bounded), by 8-bit
// radix passes from the top; stops as soon as the chosen bin holds exactly the keys still needed.
// Every key of the selection is ≥ the returned threshold, and no other candidate is.
template <class S>
__device__ unsigned long long radix_threshold(const typename S::Raw* xr, int cols, unsigned long long bound,
                                              bool bounded, unsigned need, TopkShared& sh) {
  unsigned long long prefix = 0, mask = 0;
  unsigned remaining = need;
  for (int shift = 56; shift >= 0; shift -= 8) {
    for (int b = threadIdx.x; b < 256; b += blockDim.x) sh.count[b] = 0;
    __syncthreads();
    for (int i = threadIdx.x; i < cols; i += blockDim.x) {
      const unsigned long long key = key_at<S>(xr, i);
      if ((!bounded || key < bound) && (key & mask) == prefix) atomicAdd(&sh.count[(key >> shift) & 255u], 1u);
    }
    __syncthreads();
    if (threadIdx.x < 32) choose_bin(sh, remaining);
    __syncthreads();
    prefix |= static_cast<unsigned long long>(sh.bin) << shift;
    mask |= 255ull << shift;
    remaining -= sh.above;
    const bool settled = sh.bin_count == remaining;
    __syncthreads();  // sh.bin and friends are rewritten by the next pass
    if (settled) break;
  }
  return prefix;
}

// Sorts items[0, n) descending (n a power of two) with every thread of the block.
__device__ void bitonic_descending(unsigned long long* items, unsigned n) {
  for (unsigned size = 2; size <= n; size <<= 1) {
    for (unsigned stride = size >> 1; stride > 0; stride >>= 1) {
      for (unsigned i = threadIdx.x; i < n; i += blockDim.x) {
        const unsigned partner = i ^ stride;
        if (partner > i) {
          const unsigned long long a = items[i];
          const unsigned long long b = items[partner];
          const bool descending = (i & size) == 0;
          if (descending ? a < b : a > b) {
            items[i] = b;
            items[partner] = a;
          }
        }
      }
      __syncthreads();
    }
  }
}

// One block per row: chunks of up to kTopkChunk keys, each the largest below the previous chunk's
// smallest, selected, compacted into shared memory, sorted and written.
template <class SX, class SO>
__global__ void __launch_bounds__(1024) topk_kernel(const typename SX::Raw* x, int64_t rows, int cols, int64_t k,
                                                    typename SO::Raw* values, int32_t* indices) {
  __shared__ TopkShared sh;
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const typename SX::Raw* xr = x + r * cols;
    unsigned long long bound = 0;
    bool bounded = false;
    for (int64_t done = 0; done < k;) {
      const unsigned need = static_cast<unsigned>(std::min<int64_t>(kTopkChunk, k - done));
      const unsigned long long threshold = radix_threshold<SX>(xr, cols, bound, bounded, need, sh);
      if (threadIdx.x == 0) sh.filled = 0;
      unsigned n2 = 1;
      while (n2 < need) n2 <<= 1;
      for (unsigned i = need + threadIdx.x; i < n2; i += blockDim.x) sh.items[i] = 0;  // sorts last
      __syncthreads();
      for (int i = threadIdx.x; i < cols; i += blockDim.x) {
        const unsigned long long key = key_at<SX>(xr, i);
        if (key >= threshold && (!bounded || key < bound)) sh.items[atomicAdd(&sh.filled, 1u)] = key;
      }
      __syncthreads();
      bitonic_descending(sh.items, n2);
      for (unsigned j = threadIdx.x; j < need; j += blockDim.x) {
        const int32_t index = rank_index(sh.items[j]);
        values[r * k + done + j] = SO::store(SX::load(xr[index]));
        indices[r * k + done + j] = index;
      }
      bound = sh.items[need - 1];
      bounded = true;
      done += need;
      __syncthreads();  // the next chunk rewrites sh.items
    }
  }
}

}  // namespace

Status argmax(const void* x, DType x_dtype, int64_t rows, int64_t cols, int32_t* out, cudaStream_t stream) {
  if (rows < 0 || cols <= 0 || cols > INT32_MAX) return Status::kInvalidArgument;
  return with_storage(x_dtype, [&](auto s) {
    using S = decltype(s);
    if (rows == 0) return Status::kOk;
    const auto run = [&](auto vec) {
      constexpr int kVec = decltype(vec)::value;
      const RowPlan plan = plan_rows(rows, cols / kVec);
      argmax_kernel<S, kVec><<<plan.grid, plan.threads, 0, stream>>>(
          static_cast<const typename S::Raw*>(x), out, rows, static_cast<int>(cols), plan.warp_rows, plan.groups);
      return launch_status();
    };
    if (cols % kVecOf<S> == 0 && aligned16({x})) return run(std::integral_constant<int, kVecOf<S>>{});
    return run(std::integral_constant<int, 1>{});
  });
}

Status topk(const void* x, DType x_dtype, int64_t rows, int64_t cols, int64_t k, void* values, DType values_dtype,
            int32_t* indices, cudaStream_t stream) {
  if (rows < 0 || k < 0 || k > cols || cols > INT32_MAX) return Status::kInvalidArgument;
  return with_storage(x_dtype, [&](auto sx) {
    using SX = decltype(sx);
    return with_storage(values_dtype, [&](auto so) {
      using SO = decltype(so);
      if (rows == 0 || k == 0) return Status::kOk;
      // Threads: about 8 row entries each, at least 4 warps, at most 1024.
      const int threads = static_cast<int>(std::clamp<int64_t>(ceil_div(ceil_div(cols, 8), 32) * 32, 128, 1024));
      const unsigned grid = static_cast<unsigned>(std::min<int64_t>(rows, int64_t{1} << 20));
      topk_kernel<SX, SO><<<grid, threads, 0, stream>>>(static_cast<const typename SX::Raw*>(x), rows,
                                                         static_cast<int>(cols), k,
                                                         static_cast<typename SO::Raw*>(values), indices);
      return launch_status();
    });
  });
}

}  // namespace vllmts::cuda
