// Per-warp pieces of mma_attention_kernel (design in attention_mma.cuh): one warp's pass over a
// key tile (scores, online softmax, P·V), and the decode kernel's combine of its warps' states.
#pragma once

#include "cuda/attention_mma.cuh"

namespace vllmts::cuda::attention_detail {

/// Running softmax state of the two rows a thread holds (rows lane/4 and lane/4 + 8 of its
/// warp's 16): max in base-2 units, the thread's partial sum, and its output accumulators.
template <int D>
struct RowState {
  float m[2];
  float l[2];
  float o[D / 8][4];
};

/// Scores one warp's keys of a tile, folds them into `st` (online softmax) and accumulates P·V.
template <bool kF16, int D, Source S>
__device__ __forceinline__ void warp_tile(RowState<D>& st, const uint32_t (*qf)[4], uint32_t q_row_address,
                                          uint32_t k_base, uint32_t v_base, int key0, bool full, const int (&pos)[2],
                                          const int (&lo)[2], const int (&hi)[2], const float (&slope)[2],
                                          const KernelArgs& a, float log2_scale, float cap_log2, float inv_cap) {
  using C = MmaConfig<D, S>;
  const int lane = threadIdx.x & 31;
  float s[C::kNTiles][4];
#pragma unroll
  for (int nt = 0; nt < C::kNTiles; ++nt) s[nt][0] = s[nt][1] = s[nt][2] = s[nt][3] = 0.0f;

  // S = Q·Kᵀ. K rows are keys, so ldmatrix (no transpose) yields B fragments of two 8-key tiles.
  const uint32_t k_lane = k_base + ((lane & 7) + ((lane >> 4) << 3)) * C::kRowBytes + (((lane >> 3) & 1) << 4);
#pragma unroll
  for (int ks = 0; ks < C::kKSteps; ++ks) {
    uint32_t af[4];
    if constexpr (C::kQInRegisters) {
      af[0] = qf[ks][0];
      af[1] = qf[ks][1];
      af[2] = qf[ks][2];
      af[3] = qf[ks][3];
    } else {
      ldmatrix_x4(af, q_row_address + ks * 32);
    }
#pragma unroll
    for (int np = 0; np < C::kNTiles / 2; ++np) {
      uint32_t b[4];
      ldmatrix_x4(b, k_lane + np * 16 * C::kRowBytes + ks * 32);
      mma_16816<kF16>(s[2 * np], af, b[0], b[1]);
      mma_16816<kF16>(s[2 * np + 1], af, b[2], b[3]);
    }
  }

  // Logits in base-2 units, shaped and masked as the contract says. Each option is its own
  // uniform branch around a loop, so the common case never evaluates tanhf.
  if (cap_log2 > 0.0f) {
#pragma unroll
    for (int nt = 0; nt < C::kNTiles; ++nt) {
#pragma unroll
      for (int e = 0; e < 4; ++e) s[nt][e] = cap_log2 * tanhf(s[nt][e] * inv_cap);
    }
  } else {
#pragma unroll
    for (int nt = 0; nt < C::kNTiles; ++nt) {
#pragma unroll
      for (int e = 0; e < 4; ++e) s[nt][e] *= log2_scale;
    }
  }
  if (a.alibi != nullptr) {
#pragma unroll
    for (int nt = 0; nt < C::kNTiles; ++nt) {
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int key = key0 + 8 * nt + 2 * (lane & 3) + (e & 1);
        s[nt][e] += slope[e >> 1] * static_cast<float>(key - pos[e >> 1]);
      }
    }
  }
  if (!full) {
#pragma unroll
    for (int nt = 0; nt < C::kNTiles; ++nt) {
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const int key = key0 + 8 * nt + 2 * (lane & 3) + (e & 1);
        if (key < lo[e >> 1] || key >= hi[e >> 1]) s[nt][e] = -INFINITY;
      }
    }
  }

  // Online softmax: a row's 4 lanes (a quad) share its max; sums stay per lane until the end.
#pragma unroll
  for (int i = 0; i < 2; ++i) {
    float mx = -INFINITY;
#pragma unroll
    for (int nt = 0; nt < C::kNTiles; ++nt) mx = fmaxf(mx, fmaxf(s[nt][2 * i], s[nt][2 * i + 1]));
    mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
    mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 2));
    const float m_new = fmaxf(st.m[i], mx);
    const float base = m_new == -INFINITY ? 0.0f : m_new;  // a row with no keys yet stays at 0
    const float correction = fast_exp2(st.m[i] - base);
    st.m[i] = m_new;
    float sum = 0.0f;
#pragma unroll
    for (int nt = 0; nt < C::kNTiles; ++nt) {
      s[nt][2 * i] = fast_exp2(s[nt][2 * i] - base);
      s[nt][2 * i + 1] = fast_exp2(s[nt][2 * i + 1] - base);
      sum += s[nt][2 * i] + s[nt][2 * i + 1];
    }
    st.l[i] = st.l[i] * correction + sum;
#pragma unroll
    for (int dt = 0; dt < C::kDTiles; ++dt) {
      st.o[dt][2 * i] *= correction;
      st.o[dt][2 * i + 1] *= correction;
    }
  }

  // O += P·V with P = hi + lo. V rows are keys: ldmatrix.trans yields B fragments of two 8-wide
  // output tiles per 16 keys.
  const uint32_t v_lane = v_base + ((lane & 7) + (((lane >> 3) & 1) << 3)) * C::kRowBytes + ((lane >> 4) << 4);
#pragma unroll
  for (int kk = 0; kk < C::kWarpKeys / 16; ++kk) {
    uint32_t hi_p[4], lo_p[4];
    split_pair<kF16>(s[2 * kk][0], s[2 * kk][1], &hi_p[0], &lo_p[0]);
    split_pair<kF16>(s[2 * kk][2], s[2 * kk][3], &hi_p[1], &lo_p[1]);
    split_pair<kF16>(s[2 * kk + 1][0], s[2 * kk + 1][1], &hi_p[2], &lo_p[2]);
    split_pair<kF16>(s[2 * kk + 1][2], s[2 * kk + 1][3], &hi_p[3], &lo_p[3]);
#pragma unroll
    for (int dp = 0; dp < D / 16; ++dp) {
      uint32_t b[4];
      ldmatrix_x4_trans(b, v_lane + kk * 16 * C::kRowBytes + dp * 32);
      mma_16816<kF16>(st.o[2 * dp], hi_p, b[0], b[1]);
      mma_16816<kF16>(st.o[2 * dp], lo_p, b[0], b[1]);
      mma_16816<kF16>(st.o[2 * dp + 1], hi_p, b[2], b[3]);
      mma_16816<kF16>(st.o[2 * dp + 1], lo_p, b[2], b[3]);
    }
  }
}

/// Decode: the 4 warps scored disjoint keys of the same 16 rows; combine their states through
/// shared memory (the K/V stages, no longer needed) and write the rows' outputs or partials.
template <bool kF16, int D, Source S>
__device__ __forceinline__ void combine_warps(const RowState<D>& st, unsigned char* scratch, const KernelArgs& a,
                                              const Task& task, int gh, int heads_here, int head0) {
  constexpr int kStride = D + 2;
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
  float* red = reinterpret_cast<float*>(scratch);
  __syncthreads();  // every warp is done with the K/V stages
#pragma unroll
  for (int i = 0; i < 2; ++i) {
    float l = st.l[i];
    l += __shfl_xor_sync(0xffffffffu, l, 1);
    l += __shfl_xor_sync(0xffffffffu, l, 2);
    float* dst = red + (warp * 16 + (lane >> 2) + 8 * i) * kStride;
#pragma unroll
    for (int dt = 0; dt < D / 8; ++dt) {
      dst[dt * 8 + 2 * (lane & 3)] = st.o[dt][2 * i];
      dst[dt * 8 + 2 * (lane & 3) + 1] = st.o[dt][2 * i + 1];
    }
    if ((lane & 3) == 0) {
      dst[D] = st.m[i];
      dst[D + 1] = l;
    }
  }
  // Per row: each warp's weight e^(m_w − M) and the combined max and sum, once.
  float* weights = red + 4 * 16 * kStride;  // [4 warps][16 rows]
  float* row_max = weights + 4 * 16;        // [16]
  float* row_sum = row_max + 16;            // [16]
  __syncthreads();
  if (threadIdx.x < 16) {
    const int r = threadIdx.x;
    float m = -INFINITY;
#pragma unroll
    for (int w = 0; w < 4; ++w) m = fmaxf(m, red[(w * 16 + r) * kStride + D]);
    const float base = m == -INFINITY ? 0.0f : m;
    float sum = 0.0f;
#pragma unroll
    for (int w = 0; w < 4; ++w) {
      const float weight = fast_exp2(red[(w * 16 + r) * kStride + D] - base);
      weights[w * 16 + r] = weight;
      sum += red[(w * 16 + r) * kStride + D + 1] * weight;
    }
    row_max[r] = m;
    row_sum[r] = sum;
  }
  __syncthreads();
  for (int idx = threadIdx.x; idx < 16 * D; idx += 128) {
    const int r = idx / D, d = idx - r * D;
    const int tok = r / gh, hh = r - tok * gh;
    if (tok >= task.q_count || hh >= heads_here) continue;
    float acc = 0.0f;
#pragma unroll
    for (int w = 0; w < 4; ++w) acc += red[(w * 16 + r) * kStride + d] * weights[w * 16 + r];
    const float sum = row_sum[r];
    const int64_t flat = int64_t{task.q_begin} + tok;
    const int head = head0 + hh;
    if (task.partial_row < 0) {
      const float value = sum > 0.0f ? acc / sum : 0.0f;
      const int64_t at = (flat * a.num_heads + head) * D + d;
      static_cast<uint16_t*>(a.out)[at] = kF16 ? f32_to_f16(value) : f32_to_bf16(value);
    } else {
      float* state = partial_state(a, task.partial_row + tok, head);
      state[d] = acc;
      if (d == 0) {
        const float m = row_max[r];
        state[D] = m == -INFINITY ? -INFINITY : m * kLn2;
        state[D + 1] = sum;
      }
    }
  }
}

}  // namespace vllmts::cuda::attention_detail
