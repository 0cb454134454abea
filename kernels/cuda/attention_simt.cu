// The float32 CUDA-core attention kernel: every dtype pairing (float32 models and caches, float32
// queries over a 16-bit cache, …) and any head size up to kMaxAttentionHeadSize. Simple on
// purpose: it is also the reference the tensor-core kernel can be checked against on the device
// (VLLM_TS_ATTENTION_KERNEL=simt).
//
// A block of 4 warps runs one task (work item, decode split or dense tile) for one KV head. Each
// warp takes one (token, query head) pair at a time and streams the pair's visible keys: lanes
// hold the head dimension (d = lane + 32·i), so each key's row is read coalesced; a key's score
// is a warp-wide sum; kKeysInFlight keys are loaded before their scores are reduced, for memory
// parallelism. The online softmax is the CPU kernel's, in float32 with expf.
#include "cuda/attention_launch.cuh"
#include "cuda/launch.cuh"

namespace vllmts::cuda::attention_detail {
namespace {

constexpr int kKeysInFlight = 4;

template <DType kDType>
__device__ __forceinline__ float load_element(const void* base, int64_t i) {
  if constexpr (kDType == DType::kBFloat16) {
    return bf16_to_f32(static_cast<const uint16_t*>(base)[i]);
  } else if constexpr (kDType == DType::kFloat16) {
    return f16_to_f32(static_cast<const uint16_t*>(base)[i]);
  } else {
    return static_cast<const float*>(base)[i];
  }
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

template <DType kCache, int kPerLane, Source S>
__global__ void __launch_bounds__(128) simt_attention_kernel(const KernelArgs a) {
  __shared__ int scan_scratch[8];
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  Task task;
  if constexpr (S == Source::kWorkItems) {
    task = work_item_task(a, blockIdx.x);
  } else if constexpr (S == Source::kDecode) {
    task = decode_task(a);
  } else {
    task = dense_task(a, kSimtDenseTokens, scan_scratch);
  }
  if (!task.valid) return;
  const int kv_head = blockIdx.y;
  const KeyAddress<S> address(a, task, kv_head);
  const void* keys = S == Source::kDense ? a.k : a.cache;
  const void* values = S == Source::kDense ? a.v : a.cache;
  const int D = a.head_size;
  const int pairs = task.q_count * a.group;
  for (int p = warp; p < pairs; p += 4) {
    const int tok = p / a.group;
    const int head = kv_head * a.group + (p - tok * a.group);
    const int64_t row = int64_t{task.q_begin} + tok;
    const int pos = task.first_pos + tok;
    float q[kPerLane], acc[kPerLane];
#pragma unroll
    for (int i = 0; i < kPerLane; ++i) {
      const int d = lane + 32 * i;
      q[i] = d < D ? load_as_float(a.q, a.q_dtype, (row * a.num_heads + head) * D + d) * a.scale : 0.0f;
      acc[i] = 0.0f;
    }
    int lo, hi;
    visible_keys(pos, task.seq_len, a.sliding_window, a.causal, &lo, &hi);
    lo = max(lo, task.kv_begin);
    hi = min(hi, task.kv_end);
    const float slope = a.alibi != nullptr ? a.alibi[head] : 0.0f;
    float m = -INFINITY, l = 0.0f;
    for (int k0 = lo; k0 < hi; k0 += kKeysInFlight) {
      float dots[kKeysInFlight], v[kKeysInFlight][kPerLane];
#pragma unroll
      for (int u = 0; u < kKeysInFlight; ++u) {
        int64_t offset = 0;
        const bool ok = k0 + u < hi && address.key(k0 + u, &offset);  // unreadable keys read as zeros
        const int64_t value_offset = address.value_offset(offset);
        float dot = 0.0f;
#pragma unroll
        for (int i = 0; i < kPerLane; ++i) {
          const int d = lane + 32 * i;
          const bool in = ok && d < D;
          dot += in ? q[i] * load_element<kCache>(keys, offset + d) : 0.0f;
          v[u][i] = in ? load_element<kCache>(values, value_offset + d) : 0.0f;
        }
        dots[u] = dot;
      }
#pragma unroll
      for (int u = 0; u < kKeysInFlight; ++u) dots[u] = warp_sum(dots[u]);
#pragma unroll
      for (int u = 0; u < kKeysInFlight; ++u) {
        if (k0 + u >= hi) break;
        float s = dots[u];
        if (a.softcap > 0.0f) s = a.softcap * tanhf(s / a.softcap);
        if (a.alibi != nullptr) s += slope * static_cast<float>(k0 + u - pos);
        const float m_new = fmaxf(m, s);
        const float correction = expf(m - m_new);  // m = −inf: 0 (the accumulators are 0 anyway)
        const float weight = expf(s - m_new);
        l = l * correction + weight;
#pragma unroll
        for (int i = 0; i < kPerLane; ++i) acc[i] = acc[i] * correction + weight * v[u][i];
        m = m_new;
      }
    }
    if (task.partial_row < 0) {
      const float inv = l > 0.0f ? 1.0f / l : 0.0f;
#pragma unroll
      for (int i = 0; i < kPerLane; ++i) {
        const int d = lane + 32 * i;
        if (d < D) store_from_float(a.out, a.q_dtype, (row * a.num_heads + head) * D + d, acc[i] * inv);
      }
    } else {
      float* state = partial_state(a, task.partial_row + tok, head);
#pragma unroll
      for (int i = 0; i < kPerLane; ++i) {
        const int d = lane + 32 * i;
        if (d < D) state[d] = acc[i];
      }
      if (lane == 0) {
        state[D] = m;
        state[D + 1] = l;
      }
    }
  }
}

template <DType kCache, int kPerLane>
Status launch_width(const KernelArgs& args, Source source, dim3 grid, cudaStream_t stream) {
  switch (source) {
    case Source::kWorkItems:
      simt_attention_kernel<kCache, kPerLane, Source::kWorkItems><<<grid, 128, 0, stream>>>(args);
      break;
    case Source::kDecode:
      simt_attention_kernel<kCache, kPerLane, Source::kDecode><<<grid, 128, 0, stream>>>(args);
      break;
    case Source::kDense:
      simt_attention_kernel<kCache, kPerLane, Source::kDense><<<grid, 128, 0, stream>>>(args);
      break;
  }
  return launch_status();
}

template <DType kCache>
Status launch_cache(const KernelArgs& args, Source source, dim3 grid, cudaStream_t stream) {
  if (args.head_size <= 128) return launch_width<kCache, 4>(args, source, grid, stream);
  return launch_width<kCache, kMaxAttentionHeadSize / 32>(args, source, grid, stream);
}

}  // namespace

Status launch_simt(const KernelArgs& args, DType cache_dtype, Source source, dim3 grid, cudaStream_t stream) {
  if (args.head_size < 1 || args.head_size > kMaxAttentionHeadSize) return Status::kInvalidArgument;
  switch (cache_dtype) {
    case DType::kFloat32: return launch_cache<DType::kFloat32>(args, source, grid, stream);
    case DType::kBFloat16: return launch_cache<DType::kBFloat16>(args, source, grid, stream);
    case DType::kFloat16: return launch_cache<DType::kFloat16>(args, source, grid, stream);
    default: return Status::kUnsupportedDType;
  }
}

}  // namespace vllmts::cuda::attention_detail
