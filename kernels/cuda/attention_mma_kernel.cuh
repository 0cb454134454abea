// The body of mma_attention_kernel (design in attention_mma.cuh); included by the .cu files that
// instantiate it, one per storage dtype, so the two compile in parallel.
#pragma once

#include "cuda/attention_mma.cuh"
#include "cuda/attention_mma_tile.cuh"

namespace vllmts::cuda::attention_detail {

template <bool kF16, int D, Source S>
__global__ void __launch_bounds__(128) mma_attention_kernel(const KernelArgs a) {
  using C = MmaConfig<D, S>;
  extern __shared__ __align__(16) unsigned char smem[];
  __shared__ int scan_scratch[8];
  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const int wm = warp % C::kWarpsM, wn = warp / C::kWarpsM;
  const int gh = mma_heads_per_block<D, S>(a.group);
  const int head_groups = (a.group + gh - 1) / gh;
  const int tokens_per_tile = C::kRows / gh;
  const int kv_head = blockIdx.y / head_groups;
  const int head_group = blockIdx.y - kv_head * head_groups;
  const int heads_here = min(gh, a.group - head_group * gh);
  const int head0 = kv_head * a.group + head_group * gh;

  Task task;
  if constexpr (S == Source::kWorkItems) {
    task = work_item_task(a, blockIdx.x);
  } else if constexpr (S == Source::kDecode) {
    task = decode_task(a);
  } else {
    task = dense_task(a, tokens_per_tile, scan_scratch);
  }
  if (!task.valid) return;  // uniform over the block

  const KeyAddress<S> address(a, task, kv_head);
  const auto* keys = static_cast<const uint16_t*>(S == Source::kDense ? a.k : a.cache);
  const auto* values = static_cast<const uint16_t*>(S == Source::kDense ? a.v : a.cache);
  const auto* q = static_cast<const uint16_t*>(a.q);
  unsigned char* q_smem = smem;
  unsigned char* kv_smem = smem + C::kQBytes;
  const float log2_scale = a.scale * kLog2e;
  const float cap_log2 = a.softcap > 0.0f ? a.softcap * kLog2e : 0.0f;
  const float inv_cap = a.softcap > 0.0f ? a.scale / a.softcap : 0.0f;
  const uint32_t q_row_address = smem_address(q_smem) +
                                 (16 * wm + (lane & 7) + (((lane >> 3) & 1) << 3)) * C::kRowBytes + ((lane >> 4) << 4);

  for (int t0 = 0; t0 < task.q_count; t0 += tokens_per_tile) {
    const int tile_tokens = min(tokens_per_tile, task.q_count - t0);
    const int first_pos = task.first_pos + t0;
    // Keys any row of this tile sees (positions grow with the row, and so do both range ends).
    int lo_first, hi_first, lo_last, hi_last;
    visible_keys(first_pos, task.seq_len, a.sliding_window, a.causal, &lo_first, &hi_first);
    visible_keys(first_pos + tile_tokens - 1, task.seq_len, a.sliding_window, a.causal, &lo_last, &hi_last);
    const int key_lo = max(lo_first, task.kv_begin);
    const int key_hi = min(hi_last, task.kv_end);
    const int num_tiles = key_hi > key_lo ? (key_hi - key_lo + C::kBlockN - 1) / C::kBlockN : 0;

    __syncthreads();  // the previous tile's warps are done with shared memory
    for (int c = tid; c < C::kRows * C::kChunks; c += C::kThreads) {
      const int r = c / C::kChunks, chunk = c - r * C::kChunks;
      const int tok = r / gh, hh = r - tok * gh;
      const bool ok = tok < tile_tokens && hh < heads_here;
      const int64_t src = ok ? ((int64_t{task.q_begin} + t0 + tok) * a.num_heads + head0 + hh) * D + chunk * 8 : 0;
      cp_async_16(smem_address(q_smem + r * C::kRowBytes + chunk * 16), q + src, ok);
    }
    // Prefill: the block copies each tile together (every warp scores every key). Decode: a warp
    // copies only the kWarpKeys rows it scores, so warps never wait for one another in the loop.
    auto load_tile = [&](int tile, int stage) {
      const int n0 = key_lo + tile * C::kBlockN;
      unsigned char* k_stage = kv_smem + stage * 2 * C::kTileBytes;
      unsigned char* v_stage = k_stage + C::kTileBytes;
      constexpr int kCopies = C::kDecode ? C::kWarpKeys * C::kChunks : C::kBlockN * C::kChunks;
      constexpr int kCopiers = C::kDecode ? 32 : C::kThreads;
      const int first_row = C::kDecode ? wn * C::kWarpKeys : 0;
      for (int c = C::kDecode ? lane : tid; c < kCopies; c += kCopiers) {
        const int row = first_row + c / C::kChunks, chunk = c % C::kChunks;
        int64_t offset = 0;
        const bool ok = n0 + row < key_hi && address.key(n0 + row, &offset);
        cp_async_16(smem_address(k_stage + row * C::kRowBytes + chunk * 16), keys + (ok ? offset + chunk * 8 : 0), ok);
        cp_async_16(smem_address(v_stage + row * C::kRowBytes + chunk * 16),
                    values + (ok ? address.value_offset(offset) + chunk * 8 : 0), ok);
      }
    };
#pragma unroll
    for (int stage = 0; stage < C::kStages - 1; ++stage) {
      if (stage < num_tiles) load_tile(stage, stage);
      cp_async_commit();  // Q travels with the first group
    }

    // This thread's two rows: position, visible keys (clipped; empty for padding rows), slope.
    int pos[2], lo[2], hi[2];
    float slope[2];
#pragma unroll
    for (int i = 0; i < 2; ++i) {
      const int r = 16 * wm + (lane >> 2) + 8 * i;
      const int tok = r / gh, hh = r - tok * gh;
      const bool ok = tok < tile_tokens && hh < heads_here;
      pos[i] = first_pos + tok;
      visible_keys(pos[i], task.seq_len, a.sliding_window, a.causal, &lo[i], &hi[i]);
      lo[i] = ok ? max(lo[i], task.kv_begin) : 0;
      hi[i] = ok ? min(hi[i], task.kv_end) : 0;
      slope[i] = ok && a.alibi != nullptr ? a.alibi[head0 + hh] * kLog2e : 0.0f;
    }
    // The warp's rows: keys some row sees [w_lo, w_hi) and keys every row sees [f_lo, f_hi).
    const int warp_first = (16 * wm) / gh;
    const int warp_last = min((16 * wm + 15) / gh, tile_tokens - 1);
    const bool warp_active = warp_first < tile_tokens;
    int l1, h1, l2, h2;
    visible_keys(first_pos + warp_first, task.seq_len, a.sliding_window, a.causal, &l1, &h1);
    visible_keys(first_pos + warp_last, task.seq_len, a.sliding_window, a.causal, &l2, &h2);
    const int w_lo = max(l1, task.kv_begin), w_hi = min(h2, task.kv_end);
    const int f_lo = max(l2, task.kv_begin), f_hi = min(h1, task.kv_end);

    RowState<D> st;
    st.m[0] = st.m[1] = -INFINITY;
    st.l[0] = st.l[1] = 0.0f;
#pragma unroll
    for (int dt = 0; dt < C::kDTiles; ++dt) st.o[dt][0] = st.o[dt][1] = st.o[dt][2] = st.o[dt][3] = 0.0f;
    uint32_t qf[C::kQInRegisters ? C::kKSteps : 1][4];

    for (int j = 0; j < num_tiles; ++j) {
      cp_async_wait<C::kStages - 2>();
      // Tile j landed and tile j − 1's stage is free: for the block, or (decode, after the first
      // tile, which brought Q for everyone) for the warp's own rows.
      if (C::kDecode && j > 0) {
        __syncwarp();
      } else {
        __syncthreads();
      }
      if (j + C::kStages - 1 < num_tiles) load_tile(j + C::kStages - 1, (j + C::kStages - 1) % C::kStages);
      cp_async_commit();
      if constexpr (C::kQInRegisters) {
        if (j == 0) {
#pragma unroll
          for (int ks = 0; ks < C::kKSteps; ++ks) ldmatrix_x4(qf[ks], q_row_address + ks * 32);
        }
      }
      const int key0 = key_lo + j * C::kBlockN + wn * C::kWarpKeys;
      if (!warp_active || key0 >= w_hi || key0 + C::kWarpKeys <= w_lo) continue;  // nothing visible
      const bool full = key0 >= f_lo && key0 + C::kWarpKeys <= f_hi;              // nothing masked
      const uint32_t k_base = smem_address(kv_smem + (j % C::kStages) * 2 * C::kTileBytes) +
                              wn * C::kWarpKeys * C::kRowBytes;
      warp_tile<kF16, D, S>(st, qf, q_row_address, k_base, k_base + C::kTileBytes, key0, full, pos, lo, hi, slope, a,
                            log2_scale, cap_log2, inv_cap);
    }
    cp_async_wait<0>();

    if constexpr (C::kDecode) {
      combine_warps<kF16, D, S>(st, kv_smem, a, task, gh, heads_here, head0);
    } else {
#pragma unroll
      for (int i = 0; i < 2; ++i) {
        float l = st.l[i];
        l += __shfl_xor_sync(0xffffffffu, l, 1);
        l += __shfl_xor_sync(0xffffffffu, l, 2);
        const int r = 16 * wm + (lane >> 2) + 8 * i;
        const int tok = r / gh, hh = r - tok * gh;
        if (tok >= tile_tokens || hh >= heads_here) continue;
        const int64_t flat = int64_t{task.q_begin} + t0 + tok;
        const int head = head0 + hh;
        if (task.partial_row < 0) {
          const float inv = l > 0.0f ? 1.0f / l : 0.0f;
          auto* dst = reinterpret_cast<uint32_t*>(static_cast<uint16_t*>(a.out) + (flat * a.num_heads + head) * D);
#pragma unroll
          for (int dt = 0; dt < C::kDTiles; ++dt) {
            dst[dt * 4 + (lane & 3)] = pack_pair<kF16>(st.o[dt][2 * i] * inv, st.o[dt][2 * i + 1] * inv);
          }
        } else {
          float* state = partial_state(a, task.partial_row + t0 + tok, head);
#pragma unroll
          for (int dt = 0; dt < C::kDTiles; ++dt) {
            state[dt * 8 + 2 * (lane & 3)] = st.o[dt][2 * i];
            state[dt * 8 + 2 * (lane & 3) + 1] = st.o[dt][2 * i + 1];
          }
          if ((lane & 3) == 0) {
            state[D] = st.m[i] == -INFINITY ? -INFINITY : st.m[i] * kLn2;
            state[D + 1] = l;
          }
        }
      }
    }
  }
}

}  // namespace vllmts::cuda::attention_detail
