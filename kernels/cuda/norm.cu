#include <type_traits>

#include "cuda/dense_rows.cuh"
#include "cuda/launch.cuh"
#include "cuda/norm.cuh"

namespace vllmts::cuda {
namespace {

using namespace dense;

// One vector of the row: x, or (fused) x + residual, whose rounded sum is stored back into the
// residual and is what the norm then reads, as the CPU kernel and vLLM do.
template <class S, int kVec, bool kFused>
__device__ __forceinline__ void load_input(const typename S::Raw* x, typename S::Raw* residual, int p,
                                           float (&v)[kVec]) {
  load_vec<S, kVec>(x + p * kVec, v);
  if constexpr (kFused) {
    float r[kVec];
    load_vec<S, kVec>(residual + p * kVec, r);
#pragma unroll
    for (int j = 0; j < kVec; ++j) v[j] += r[j];
    store_vec<S, kVec>(residual + p * kVec, v);
#pragma unroll
    for (int j = 0; j < kVec; ++j) v[j] = round_to<S>(v[j]);
  }
}

// Llama rounds x / rms to the dtype before the weight multiplies it; Gemma scales by (1 + w) in
// float32 and rounds once (at the store).
template <class S, int kVec>
__device__ __forceinline__ void rms_scale(float (&v)[kVec], const float (&w)[kVec], float inv, bool gemma) {
#pragma unroll
  for (int j = 0; j < kVec; ++j) v[j] = gemma ? v[j] * inv * (1.0f + w[j]) : round_to<S>(v[j] * inv) * w[j];
}

template <class S, class W, int kVec>
__device__ __forceinline__ void rms_scale(float (&v)[kVec], const typename W::Raw* weight, int p, float inv,
                                          bool gemma) {
  float w[kVec];
  load_vec<W, kVec>(weight + p * kVec, w);
  rms_scale<S, kVec>(v, w, inv, gemma);
}

// x → out (out may be x), or fused: residual += x, x = norm(residual) (then out is x).
template <class S, class W, int kVec, bool kFused>
__global__ void __launch_bounds__(1024)
    rms_norm_kernel(const typename S::Raw* x, typename S::Raw* out, typename S::Raw* residual,
                    const typename W::Raw* weight, int64_t rows, int hidden, float eps, bool gemma, bool warp_rows,
                    int64_t groups) {
  using Raw = typename S::Raw;
  __shared__ float scratch[32];
  const int packs = hidden / kVec;
  for (int64_t g = blockIdx.x; g < groups; g += gridDim.x) {
    const RowSlot slot = row_slot(warp_rows, g);
    if (slot.row >= rows) continue;  // a whole warp past the last row (warp rows only)
    const Raw* xr = x + slot.row * hidden;
    Raw* rr = kFused ? residual + slot.row * hidden : nullptr;
    Raw* orow = out + slot.row * hidden;
    float v[kCachePacks][kVec];
    float w[kCachePacks][kVec];  // loaded with the row, so the scale after the reduction waits on nothing
    float squares = 0.0f;
#pragma unroll
    for (int i = 0; i < kCachePacks; ++i) {
      const int p = slot.lane + i * slot.width;
      if (p < packs) {
        load_input<S, kVec, kFused>(xr, rr, p, v[i]);
        load_vec<W, kVec>(weight + p * kVec, w[i]);
#pragma unroll
        for (int j = 0; j < kVec; ++j) squares += v[i][j] * v[i][j];
      }
    }
    for (int p = slot.lane + kCachePacks * slot.width; p < packs; p += slot.width) {
      float t[kVec];
      load_input<S, kVec, kFused>(xr, rr, p, t);
#pragma unroll
      for (int j = 0; j < kVec; ++j) squares += t[j] * t[j];
    }
    squares = row_allreduce(squares, Sum(), 0.0f, warp_rows, scratch);
    const float inv = 1.0f / sqrtf(squares / static_cast<float>(hidden) + eps);
#pragma unroll
    for (int i = 0; i < kCachePacks; ++i) {
      const int p = slot.lane + i * slot.width;
      if (p < packs) {
        rms_scale<S, kVec>(v[i], w[i], inv, gemma);
        store_vec<S, kVec>(orow + p * kVec, v[i]);
      }
    }
    for (int p = slot.lane + kCachePacks * slot.width; p < packs; p += slot.width) {
      float t[kVec];
      load_vec<S, kVec>((kFused ? rr : xr) + p * kVec, t);  // this thread stored the fused sum itself
      rms_scale<S, W, kVec>(t, weight, p, inv, gemma);
      store_vec<S, kVec>(orow + p * kVec, t);
    }
  }
}

template <class S, int kVec>
__global__ void __launch_bounds__(1024)
    layer_norm_kernel(const typename S::Raw* x, typename S::Raw* out, const void* weight, DType weight_dtype,
                      const void* bias, DType bias_dtype, int64_t rows, int hidden, float eps, bool warp_rows,
                      int64_t groups) {
  using Raw = typename S::Raw;
  __shared__ float scratch[32];
  const int packs = hidden / kVec;
  const float n = static_cast<float>(hidden);
  for (int64_t g = blockIdx.x; g < groups; g += gridDim.x) {
    const RowSlot slot = row_slot(warp_rows, g);
    if (slot.row >= rows) continue;
    const Raw* xr = x + slot.row * hidden;
    Raw* orow = out + slot.row * hidden;
    float v[kCachePacks][kVec];
    float sum = 0.0f;
#pragma unroll
    for (int i = 0; i < kCachePacks; ++i) {
      const int p = slot.lane + i * slot.width;
      if (p < packs) {
        load_vec<S, kVec>(xr + p * kVec, v[i]);
#pragma unroll
        for (int j = 0; j < kVec; ++j) sum += v[i][j];
      }
    }
    for (int p = slot.lane + kCachePacks * slot.width; p < packs; p += slot.width) {
      float t[kVec];
      load_vec<S, kVec>(xr + p * kVec, t);
#pragma unroll
      for (int j = 0; j < kVec; ++j) sum += t[j];
    }
    const float mean = row_allreduce(sum, Sum(), 0.0f, warp_rows, scratch) / n;
    // Two-pass variance, as the CPU kernel: Σ (x - mean)², no cancellation.
    float deviations = 0.0f;
#pragma unroll
    for (int i = 0; i < kCachePacks; ++i) {
      const int p = slot.lane + i * slot.width;
      if (p < packs) {
#pragma unroll
        for (int j = 0; j < kVec; ++j) deviations += (v[i][j] - mean) * (v[i][j] - mean);
      }
    }
    for (int p = slot.lane + kCachePacks * slot.width; p < packs; p += slot.width) {
      float t[kVec];
      load_vec<S, kVec>(xr + p * kVec, t);
#pragma unroll
      for (int j = 0; j < kVec; ++j) deviations += (t[j] - mean) * (t[j] - mean);
    }
    const float inv = 1.0f / sqrtf(row_allreduce(deviations, Sum(), 0.0f, warp_rows, scratch) / n + eps);
    const auto finish = [&](float(&t)[kVec], int p) {
#pragma unroll
      for (int j = 0; j < kVec; ++j) {
        const int64_t c = static_cast<int64_t>(p) * kVec + j;
        const float shift = bias != nullptr ? load_any(bias, bias_dtype, c) : 0.0f;
        t[j] = (t[j] - mean) * inv * load_any(weight, weight_dtype, c) + shift;
      }
      store_vec<S, kVec>(orow + p * kVec, t);
    };
#pragma unroll
    for (int i = 0; i < kCachePacks; ++i) {
      const int p = slot.lane + i * slot.width;
      if (p < packs) finish(v[i], p);
    }
    for (int p = slot.lane + kCachePacks * slot.width; p < packs; p += slot.width) {
      float t[kVec];
      load_vec<S, kVec>(xr + p * kVec, t);
      finish(t, p);
    }
  }
}

bool valid(const cpu::NormArgs& a) { return a.rows >= 0 && a.hidden > 0 && a.hidden <= INT32_MAX; }

template <bool kFused>
Status launch_rms(const cpu::NormArgs& a, const void* x, void* out, void* residual, cudaStream_t stream) {
  if (!valid(a)) return Status::kInvalidArgument;
  if (a.rows == 0) return Status::kOk;
  return dense::with_storage(a.dtype, [&](auto s) {
    using S = decltype(s);
    return dense::with_storage(a.weight_dtype, [&](auto w) {
      using W = decltype(w);
      using Raw = typename S::Raw;
      const auto run = [&](auto vec) {
        constexpr int kVec = decltype(vec)::value;
        const RowPlan plan = plan_rows(a.rows, a.hidden / kVec);
        rms_norm_kernel<S, W, kVec, kFused><<<plan.grid, plan.threads, 0, stream>>>(
            static_cast<const Raw*>(x), static_cast<Raw*>(out), static_cast<Raw*>(residual),
            static_cast<const typename W::Raw*>(a.weight), a.rows, static_cast<int>(a.hidden), a.eps, a.gemma,
            plan.warp_rows, plan.groups);
        return launch_status();
      };
      constexpr int kVec = kVecOf<S>;
      if (a.hidden % kVec == 0 && aligned16({x, out, residual, a.weight})) {
        return run(std::integral_constant<int, kVec>{});
      }
      return run(std::integral_constant<int, 1>{});
    });
  });
}

}  // namespace

Status rms_norm(const cpu::NormArgs& args, const void* x, void* out, cudaStream_t stream) {
  return launch_rms<false>(args, x, out, nullptr, stream);
}

Status fused_add_rms_norm(const cpu::NormArgs& args, void* x, void* residual, cudaStream_t stream) {
  return launch_rms<true>(args, x, x, residual, stream);
}

Status layer_norm(const cpu::NormArgs& a, const void* x, const void* bias, DType bias_dtype, void* out,
                  cudaStream_t stream) {
  if (!valid(a)) return Status::kInvalidArgument;
  if (bias != nullptr && bias_dtype != DType::kFloat32 && bias_dtype != DType::kBFloat16 &&
      bias_dtype != DType::kFloat16) {
    return Status::kUnsupportedDType;
  }
  if (a.weight_dtype != DType::kFloat32 && a.weight_dtype != DType::kBFloat16 && a.weight_dtype != DType::kFloat16) {
    return Status::kUnsupportedDType;
  }
  if (a.rows == 0) return Status::kOk;
  return dense::with_storage(a.dtype, [&](auto s) {
    using S = decltype(s);
    using Raw = typename S::Raw;
    const auto run = [&](auto vec) {
      constexpr int kVec = decltype(vec)::value;
      const RowPlan plan = plan_rows(a.rows, a.hidden / kVec);
      layer_norm_kernel<S, kVec><<<plan.grid, plan.threads, 0, stream>>>(
          static_cast<const Raw*>(x), static_cast<Raw*>(out), a.weight, a.weight_dtype, bias, bias_dtype, a.rows,
          static_cast<int>(a.hidden), a.eps, plan.warp_rows, plan.groups);
      return launch_status();
    };
    constexpr int kVec = kVecOf<S>;
    if (a.hidden % kVec == 0 && aligned16({x, out})) return run(std::integral_constant<int, kVec>{});
    return run(std::integral_constant<int, 1>{});
  });
}

}  // namespace vllmts::cuda
