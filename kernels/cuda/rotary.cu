#include <algorithm>
#include <type_traits>

#include "cuda/dense_types.cuh"
#include "cuda/launch.cuh"
#include "cuda/rotary.cuh"

namespace vllmts::cuda {
namespace {

using namespace dense;

// One block per token (grid-stride); its threads take kV consecutive pairs of one head each, so
// a head's loads are whole vectors and neighbouring threads read neighbouring memory. cos/sin of
// the token's position are one cache row, read by every head (from L1).
template <class S, int kV, bool kNeox, class P>
__global__ void __launch_bounds__(256)
    rotary_kernel(typename S::Raw* q, typename S::Raw* k, const P* positions, const float* cos_sin, int64_t tokens,
                  int q_heads, int k_heads, int head_size, int rotary_dim, int64_t max_positions) {
  using Raw = typename S::Raw;
  const int half = rotary_dim / 2;
  const int chunks = half / kV;
  const int items = (q_heads + k_heads) * chunks;
  for (int64_t t = blockIdx.x; t < tokens; t += gridDim.x) {
    const int64_t pos = static_cast<int64_t>(positions[t]);
    if (pos < 0 || pos >= max_positions) continue;  // out of the cache: left as it is (see rotary.cuh)
    const float* cos = cos_sin + pos * rotary_dim;
    const float* sin = cos + half;
    for (int i = threadIdx.x; i < items; i += blockDim.x) {
      const int h = i / chunks;
      const int c = (i - h * chunks) * kV;
      Raw* head = h < q_heads ? q + (t * q_heads + h) * head_size : k + (t * k_heads + (h - q_heads)) * head_size;
      float cs[kV], sn[kV];
      load_vec<F32, kV>(cos + c, cs);
      load_vec<F32, kV>(sin + c, sn);
      if constexpr (kNeox) {
        float a[kV], b[kV];
        load_vec<S, kV>(head + c, a);
        load_vec<S, kV>(head + half + c, b);
#pragma unroll
        for (int j = 0; j < kV; ++j) {
          const float x1 = a[j];
          const float x2 = b[j];
          a[j] = x1 * cs[j] - x2 * sn[j];
          b[j] = x2 * cs[j] + x1 * sn[j];
        }
        store_vec<S, kV>(head + c, a);
        store_vec<S, kV>(head + half + c, b);
      } else {
        float ab[2 * kV];
        if constexpr (kV == 1) {  // no alignment assumed: two scalar loads
          ab[0] = S::load(head[2 * c]);
          ab[1] = S::load(head[2 * c + 1]);
        } else {
          load_vec<S, 2 * kV>(head + 2 * c, ab);
        }
#pragma unroll
        for (int j = 0; j < kV; ++j) {
          const float x1 = ab[2 * j];
          const float x2 = ab[2 * j + 1];
          ab[2 * j] = x1 * cs[j] - x2 * sn[j];
          ab[2 * j + 1] = x2 * cs[j] + x1 * sn[j];
        }
        if constexpr (kV == 1) {
          head[2 * c] = S::store(ab[0]);
          head[2 * c + 1] = S::store(ab[1]);
        } else {
          store_vec<S, 2 * kV>(head + 2 * c, ab);
        }
      }
    }
  }
}

template <class S, int kV, bool kNeox, class P>
Status launch(const cpu::RotaryArgs& a, const P* positions, void* q, void* k, cudaStream_t stream) {
  const int64_t items = (a.q_heads + a.k_heads) * (a.rotary_dim / 2 / kV);
  // Threads per block: the fewest warps that cover the token's work in equal rounds of ≤ 256.
  const int64_t rounds = std::max<int64_t>(1, ceil_div(items, 256));
  const int threads = static_cast<int>(std::clamp<int64_t>(ceil_div(ceil_div(items, rounds), 32) * 32, 32, 256));
  const unsigned grid = static_cast<unsigned>(std::min<int64_t>(a.tokens, int64_t{1} << 20));
  using Raw = typename S::Raw;
  rotary_kernel<S, kV, kNeox, P><<<grid, threads, 0, stream>>>(
      static_cast<Raw*>(q), static_cast<Raw*>(k), positions, a.cos_sin, a.tokens, static_cast<int>(a.q_heads),
      static_cast<int>(a.k_heads), static_cast<int>(a.head_size), static_cast<int>(a.rotary_dim), a.max_positions);
  return launch_status();
}

template <class S, class P>
Status dispatch(const cpu::RotaryArgs& a, const P* positions, void* q, void* k, cudaStream_t stream) {
  const int64_t half = a.rotary_dim / 2;
  const bool aligned = aligned16({q, k, a.cos_sin});
  if (a.neox) {
    constexpr int kV = kVecOf<S>;  // one 16-byte load from each half of the head
    if (aligned && half % kV == 0 && a.head_size % kV == 0) return launch<S, kV, true>(a, positions, q, k, stream);
    return launch<S, 1, true>(a, positions, q, k, stream);
  }
  constexpr int kV = kVecOf<S> / 2;  // kV interleaved pairs: one 16-byte load
  if (aligned && half % kV == 0 && a.head_size % (2 * kV) == 0) {
    return launch<S, kV, false>(a, positions, q, k, stream);
  }
  return launch<S, 1, false>(a, positions, q, k, stream);
}

}  // namespace

Status rotary_embedding(const cpu::RotaryArgs& a, const void* positions, DType positions_dtype, void* q, void* k,
                        cudaStream_t stream) {
  if (a.tokens < 0 || a.q_heads < 0 || a.k_heads < 0 || a.rotary_dim <= 0 || a.rotary_dim % 2 != 0 ||
      a.rotary_dim > a.head_size || a.head_size > INT32_MAX || (a.q_heads + a.k_heads) * a.head_size > INT32_MAX) {
    return Status::kInvalidArgument;
  }
  if (positions_dtype != DType::kInt32 && positions_dtype != DType::kInt64) return Status::kUnsupportedDType;
  if (a.tokens == 0 || a.q_heads + a.k_heads == 0) return Status::kOk;
  const cpu::RotaryArgs args = k != nullptr ? a : cpu::RotaryArgs{a.tokens, a.q_heads, 0, a.head_size, a.rotary_dim,
                                                                  a.neox, a.dtype, a.cos_sin, a.max_positions};
  return dense::with_storage(args.dtype, [&](auto s) {
    using S = decltype(s);
    if (positions_dtype == DType::kInt64) {
      return dispatch<S>(args, static_cast<const int64_t*>(positions), q, k, stream);
    }
    return dispatch<S>(args, static_cast<const int32_t*>(positions), q, k, stream);
  });
}

}  // namespace vllmts::cuda
