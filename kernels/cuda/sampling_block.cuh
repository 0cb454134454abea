// Block-wide helpers of the sampling kernels (one block of kSamplingThreads per row): reductions,
// the order-preserving integer key of a float, and radix selection over a row's keys.
#pragma once

#include <cuda_runtime.h>

#include <cfloat>
#include <cstdint>

namespace vllmts::cuda {

constexpr int kSamplingThreads = 1024;
constexpr int kSamplingWarps = kSamplingThreads / 32;

/// Larger floats get larger keys; NaN maps to -inf's key and -0 to +0's, as the CPU compares them.
__device__ __forceinline__ uint32_t float_key(float v) {
  if (v != v) v = -INFINITY;
  if (v == 0.0f) v = 0.0f;
  const uint32_t bits = __float_as_uint(v);
  return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
}

__device__ __forceinline__ float key_float(uint32_t key) {
  return __uint_as_float((key & 0x80000000u) ? (key & 0x7fffffffu) : ~key);
}

/// Block reductions: every thread gets the result. `scratch` holds kSamplingWarps values.
template <typename T, typename Op>
__device__ T block_reduce(T value, Op op, T* scratch) {
  for (int offset = 16; offset > 0; offset >>= 1) value = op(value, __shfl_xor_sync(0xffffffffu, value, offset));
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  __syncthreads();  // scratch may still be read by a previous reduction
  if (lane == 0) scratch[warp] = value;
  __syncthreads();
  value = scratch[lane < kSamplingWarps ? lane : 0];
  for (int offset = 16; offset > 0; offset >>= 1) value = op(value, __shfl_xor_sync(0xffffffffu, value, offset));
  return value;
}

struct MaxOp {
  __device__ float operator()(float a, float b) const { return b > a ? b : a; }  // NaN never wins
};
struct SumOp {
  template <typename T>
  __device__ T operator()(T a, T b) const { return a + b; }
};
struct MinOp {
  template <typename T>
  __device__ T operator()(T a, T b) const { return b < a ? b : a; }
};

/// The largest score in the block and the lowest index holding it.
__device__ inline void block_argmax(float& score, int32_t& index, float* scores, int32_t* indices) {
  for (int offset = 16; offset > 0; offset >>= 1) {
    const float other = __shfl_xor_sync(0xffffffffu, score, offset);
    const int32_t other_index = __shfl_xor_sync(0xffffffffu, index, offset);
    if (other > score || (other == score && other_index < index)) {
      score = other;
      index = other_index;
    }
  }
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  __syncthreads();
  if (lane == 0) {
    scores[warp] = score;
    indices[warp] = index;
  }
  __syncthreads();
  score = lane < kSamplingWarps ? scores[lane] : -FLT_MAX;
  index = lane < kSamplingWarps ? indices[lane] : INT32_MAX;
  for (int offset = 16; offset > 0; offset >>= 1) {
    const float other = __shfl_xor_sync(0xffffffffu, score, offset);
    const int32_t other_index = __shfl_xor_sync(0xffffffffu, index, offset);
    if (other > score || (other == score && other_index < index)) {
      score = other;
      index = other_index;
    }
  }
}

/// Shared memory for one radix pass: a 256-bin histogram of counts and masses.
struct RadixBins {
  uint32_t count[256];
  double mass[256];
  uint32_t chosen;
  double above;
};

/// The k-th largest (1-based) of the row's keys, by four 8-bit radix passes.
template <typename KeyOf>
__device__ uint32_t radix_kth_key(int64_t vocab, KeyOf key_of, uint32_t k, RadixBins& bins) {
  uint32_t prefix = 0, mask = 0, remaining = k;  // `remaining` is tracked by thread 0 only
  for (int shift = 24; shift >= 0; shift -= 8) {
    for (int b = threadIdx.x; b < 256; b += blockDim.x) bins.count[b] = 0;
    __syncthreads();
    for (int64_t i = threadIdx.x; i < vocab; i += blockDim.x) {
      const uint32_t key = key_of(i);
      if ((key & mask) == prefix) atomicAdd(&bins.count[(key >> shift) & 255u], 1u);
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      uint32_t acc = 0, chosen = 0;
      for (int b = 255; b >= 0; --b) {
        if (acc + bins.count[b] >= remaining) {
          chosen = static_cast<uint32_t>(b);
          break;
        }
        acc += bins.count[b];
      }
      bins.chosen = chosen;
      remaining -= acc;
    }
    __syncthreads();
    prefix |= bins.chosen << shift;
    mask |= 255u << shift;
    __syncthreads();  // bins.chosen is rewritten by the next pass
  }
  return prefix;
}

/// The key at which the running mass, from the largest key down, first reaches `target` (keys in
/// the set `in_set` only); `above` receives the mass of larger keys. Four 8-bit passes.
template <typename KeyOf, typename WeightOf>
__device__ uint32_t radix_mass_key(int64_t vocab, KeyOf key_of, WeightOf weight_of, double target, double& above,
                                   RadixBins& bins) {
  uint32_t prefix = 0, mask = 0;
  if (threadIdx.x == 0) bins.above = 0.0;
  for (int shift = 24; shift >= 0; shift -= 8) {
    for (int b = threadIdx.x; b < 256; b += blockDim.x) {
      bins.count[b] = 0;
      bins.mass[b] = 0.0;
    }
    __syncthreads();
    for (int64_t i = threadIdx.x; i < vocab; i += blockDim.x) {
      const uint32_t key = key_of(i);
      const float w = weight_of(i);
      if ((key & mask) == prefix && w > 0.0f) {
        atomicAdd(&bins.count[(key >> shift) & 255u], 1u);
        atomicAdd(&bins.mass[(key >> shift) & 255u], static_cast<double>(w));
      }
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      double acc = bins.above;
      int chosen = -1, last = -1;
      for (int b = 255; b >= 0; --b) {
        if (bins.count[b] == 0) continue;
        last = b;
        if (acc + bins.mass[b] >= target) {
          chosen = b;
          break;
        }
        acc += bins.mass[b];
      }
      if (chosen < 0) {  // rounding left the target out of reach: settle on the smallest key
        chosen = last < 0 ? 0 : last;
        acc -= last < 0 ? 0.0 : bins.mass[last];
      }
      bins.chosen = static_cast<uint32_t>(chosen);
      bins.above = acc;
    }
    __syncthreads();
    prefix |= bins.chosen << shift;
    mask |= 255u << shift;
    __syncthreads();
  }
  above = bins.above;
  return prefix;
}

}  // namespace vllmts::cuda
