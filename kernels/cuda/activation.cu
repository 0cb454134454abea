#include <algorithm>
#include <type_traits>

#include "cuda/activation.cuh"
#include "cuda/dense_types.cuh"
#include "cuda/launch.cuh"

namespace vllmts::cuda {
namespace {

using namespace dense;

// The functions in the CPU kernels' forms (full-precision expf/erfcf/tanhf, not the fast
// intrinsics): both GELUs avoid 1 + (something near −1), which cancels for negative inputs.
struct Silu {
  __device__ __forceinline__ float operator()(float v) const { return v / (1.0f + expf(-v)); }
};
struct GeluErf {
  __device__ __forceinline__ float operator()(float v) const { return 0.5f * v * erfcf(v * -0.70710678118654752f); }
};
struct GeluTanh {
  __device__ __forceinline__ float operator()(float v) const {
    const float inner = 0.79788456080286536f * (v + 0.044715f * v * v * v);
    return v / (1.0f + expf(-2.0f * inner));  // v · sigmoid(2u) = v/2 · (1 + tanh(u))
  }
};
struct Relu {
  __device__ __forceinline__ float operator()(float v) const { return v < 0.0f ? 0.0f : v; }  // NaN stays
};
struct Softcap {
  float cap, inv;
  __device__ __forceinline__ float operator()(float v) const { return cap * tanhf(v * inv); }
};
struct Scale {
  float s;
  __device__ __forceinline__ float operator()(float v) const { return v * s; }
};

constexpr int kThreads = 256;
constexpr int64_t kMaxBlocks = int64_t{1} << 24;

unsigned blocks_for(int64_t work) {
  return static_cast<unsigned>(std::clamp<int64_t>(ceil_div(work, kThreads), 1, kMaxBlocks));
}

// Whole vectors first (`packs` of them; 0 when the pointers are not 16-byte aligned), then the
// remaining elements one by one. out may be x: each element is read before it is written, by the
// same thread.
template <class SX, class SO, class Op>
__global__ void __launch_bounds__(kThreads)
    map_kernel(const typename SX::Raw* x, typename SO::Raw* out, int64_t packs, int64_t numel, Op op) {
  constexpr int kVec = kVecOf<SX>;
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  const int64_t first = int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  for (int64_t p = first; p < packs; p += stride) {
    float v[kVec];
    load_vec<SX, kVec>(x + p * kVec, v);
#pragma unroll
    for (int j = 0; j < kVec; ++j) v[j] = op(v[j]);
    store_vec<SO, kVec>(out + p * kVec, v);
  }
  for (int64_t i = packs * kVec + first; i < numel; i += stride) out[i] = SO::store(op(SX::load(x[i])));
}

template <class Op>
Status map(const void* x, DType x_dtype, void* out, DType out_dtype, int64_t numel, Op op, cudaStream_t stream) {
  if (numel < 0) return Status::kInvalidArgument;
  if (numel == 0) return with_storage(x_dtype, [](auto) { return Status::kOk; });
  return with_storage(x_dtype, [&](auto sx) {
    using SX = decltype(sx);
    return with_storage(out_dtype, [&](auto so) {
      using SO = decltype(so);
      const int64_t packs = aligned16({x, out}) ? numel / kVecOf<SX> : 0;
      map_kernel<SX, SO, Op><<<blocks_for(std::max<int64_t>(packs, numel - packs * kVecOf<SX>)), kThreads, 0, stream>>>(
          static_cast<const typename SX::Raw*>(x), static_cast<typename SO::Raw*>(out), packs, numel, op);
      return launch_status();
    });
  });
}

// x [rows, 2·inner] → out [rows, inner]: blockIdx.x covers the columns, blockIdx.y the rows.
template <class S, int kVec, class Op>
__global__ void __launch_bounds__(kThreads)
    gated_kernel(const typename S::Raw* x, typename S::Raw* out, int64_t rows, int64_t inner, Op op) {
  const int64_t p = int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (p >= inner / kVec) return;
  for (int64_t r = blockIdx.y; r < rows; r += gridDim.y) {
    float gate[kVec], up[kVec];
    load_vec<S, kVec>(x + r * 2 * inner + p * kVec, gate);
    load_vec<S, kVec>(x + r * 2 * inner + inner + p * kVec, up);
#pragma unroll
    for (int j = 0; j < kVec; ++j) gate[j] = round_to<S>(op(gate[j])) * up[j];
    store_vec<S, kVec>(out + r * inner + p * kVec, gate);
  }
}

// a [rows, cols] · b [cols] (a broadcast row), or b of a's shape seen as one row of numel.
template <class S, int kVec>
__global__ void __launch_bounds__(kThreads)
    mul_kernel(const typename S::Raw* a, const typename S::Raw* b, typename S::Raw* out, int64_t rows, int64_t cols) {
  const int64_t p = int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (p >= cols / kVec) return;
  float w[kVec];
  load_vec<S, kVec>(b + p * kVec, w);
  for (int64_t r = blockIdx.y; r < rows; r += gridDim.y) {
    float v[kVec];
    load_vec<S, kVec>(a + r * cols + p * kVec, v);
#pragma unroll
    for (int j = 0; j < kVec; ++j) v[j] *= w[j];
    store_vec<S, kVec>(out + r * cols + p * kVec, v);
  }
}

// Grid for [rows, packs] kernels: threads over the packs, rows in gridDim.y (walked beyond 65535).
dim3 grid_2d(int64_t rows, int64_t packs) {
  return dim3(static_cast<unsigned>(std::max<int64_t>(1, ceil_div(packs, kThreads))),
              static_cast<unsigned>(std::clamp<int64_t>(rows, 1, 65535)));
}

template <class Op>
Status gated(const void* x, void* out, DType dtype, int64_t rows, int64_t inner, Op op, cudaStream_t stream) {
  return with_storage(dtype, [&](auto s) {
    using S = decltype(s);
    using Raw = typename S::Raw;
    const auto run = [&](auto vec) {
      constexpr int kVec = decltype(vec)::value;
      gated_kernel<S, kVec, Op><<<grid_2d(rows, inner / kVec), kThreads, 0, stream>>>(
          static_cast<const Raw*>(x), static_cast<Raw*>(out), rows, inner, op);
      return launch_status();
    };
    if (inner % kVecOf<S> == 0 && aligned16({x, out})) return run(std::integral_constant<int, kVecOf<S>>{});
    return run(std::integral_constant<int, 1>{});
  });
}

template <class Fn>
Status with_activation(cpu::Activation act, Fn&& fn) {
  switch (act) {
    case cpu::Activation::kSilu: return fn(Silu{});
    case cpu::Activation::kGeluErf: return fn(GeluErf{});
    case cpu::Activation::kGeluTanh: return fn(GeluTanh{});
    case cpu::Activation::kRelu: return fn(Relu{});
  }
  return Status::kInvalidArgument;
}

}  // namespace

Status activation(const void* x, DType x_dtype, void* out, DType out_dtype, int64_t numel, cpu::Activation act,
                  cudaStream_t stream) {
  return with_activation(act, [&](auto op) { return map(x, x_dtype, out, out_dtype, numel, op, stream); });
}

Status gated_activation(const void* x, void* out, DType dtype, int64_t rows, int64_t inner, cpu::Activation act,
                        cudaStream_t stream) {
  if (rows < 0 || inner < 0) return Status::kInvalidArgument;
  if (rows == 0 || inner == 0) return with_storage(dtype, [](auto) { return Status::kOk; });
  return with_activation(act, [&](auto op) { return gated(x, out, dtype, rows, inner, op, stream); });
}

Status softcap(const void* x, DType x_dtype, void* out, DType out_dtype, int64_t numel, float cap,
               cudaStream_t stream) {
  if (!(cap > 0.0f)) return Status::kInvalidArgument;
  return map(x, x_dtype, out, out_dtype, numel, Softcap{cap, 1.0f / cap}, stream);
}

Status scale(const void* x, DType x_dtype, void* out, DType out_dtype, int64_t numel, float s, cudaStream_t stream) {
  return map(x, x_dtype, out, out_dtype, numel, Scale{s}, stream);
}

Status mul(const void* a, const void* b, void* out, DType dtype, int64_t numel, int64_t b_numel,
           cudaStream_t stream) {
  if (numel < 0 || b_numel <= 0 || numel % b_numel != 0) return Status::kInvalidArgument;
  return with_storage(dtype, [&](auto s) {
    using S = decltype(s);
    using Raw = typename S::Raw;
    if (numel == 0) return Status::kOk;
    // Same shapes are one row of numel; a broadcast row makes numel / b_numel rows of it.
    const int64_t cols = b_numel;
    const int64_t rows = numel / b_numel;
    const auto run = [&](auto vec) {
      constexpr int kVec = decltype(vec)::value;
      mul_kernel<S, kVec><<<grid_2d(rows, cols / kVec), kThreads, 0, stream>>>(
          static_cast<const Raw*>(a), static_cast<const Raw*>(b), static_cast<Raw*>(out), rows, cols);
      return launch_status();
    };
    if (cols % kVecOf<S> == 0 && aligned16({a, b, out})) return run(std::integral_constant<int, kVecOf<S>>{});
    return run(std::integral_constant<int, 1>{});
  });
}

}  // namespace vllmts::cuda
