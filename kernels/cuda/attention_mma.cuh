// The tensor-core attention kernel (bf16/fp16 queries over a cache of the same dtype), Hopper's
// mma.sync.m16n8k16 with float32 accumulation, FlashAttention-2 style.
//
// Design
//  - One block of 4 warps runs one task (a plan's work item, a decode split, or a dense tile) for
//    one KV head and up to `kRows` of its query rows. Rows pack GQA: row r is token r / gh, query
//    head r % gh of the KV head's group (gh = heads per block), so one K/V tile serves every query
//    head that reads it. Long work items loop over tiles of kRows / gh tokens.
//  - Prefill (work items, dense): kRows = 64, each warp owns 16 rows and scores all kBlockN keys
//    of a tile. Decode: kRows = 16 (one token's heads), and the 4 warps split each 64-key tile,
//    each with its own online-softmax state, combined through shared memory at the end.
//  - Keys stream through shared memory in tiles of kBlockN (64; 32 at head size 256) with
//    cp.async (16-byte, L1-bypassing), double-buffered, addressed row by row through the block table:
//    out-of-range keys and unreadable blocks are zero-filled, so masked lanes never see NaN.
//    Rows are padded by 16 bytes so ldmatrix's eight row addresses hit eight distinct banks.
//  - Per tile and warp: S = Q·Kᵀ with A (Q) from registers (head size ≤ 128) or ldmatrix and B (K)
//    by ldmatrix; scale, soft-cap (tanhf), ALiBi and masks applied in registers in base-2 units;
//    the online softmax keeps (max, sum) per row, its quad reducing over the 4 lanes of a row.
//  - P·V takes P from the S accumulators (the m16n8k16 C layout is the A layout) and V by
//    ldmatrix.trans. P is split into hi = round(P) and lo = round(P − hi), two MMAs: the product
//    then carries ~16 bits of P, as float32 softmax does, where bf16-rounded P (FlashAttention's
//    choice) errs by ~4e-3 per weight. That is the contract's float32 accumulation; it costs
//    one extra MMA per P·V tile (1.5× the MMAs of the plain scheme).
//  - Output: O / sum rounded to the model dtype, or (O, max, sum) to the split-KV workspace.
//  - Resources at head size 128: prefill 253 registers, 87 KB shared → 2 blocks (8 warps) per SM;
//    decode ~166 registers, 74 KB → 3 blocks per SM.
//
// Measured on the H200 (2026-11, `npm run bench -- attention --cuda`, bf16, 32/8 heads, d128):
// decode 53% of the 4.3 TB/s copy ceiling at 64 × 1K context, 75% at 256 × 1K, 79% at 64 × 4K,
// 84% at 256 × 4K (per-block start-up and the final combine weigh on short contexts); 4K-token
// causal prefill 151 TFLOP/s counted (19% of 790; the MMAs actually issued are 1.5× that). The
// prefill target (50%) needs the warpgroup MMA (wgmma) and a producer/consumer pipeline, not
// mma.sync with 2 warps per scheduler.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include "cuda/attention_common.cuh"

namespace vllmts::cuda::attention_detail {

template <int D, Source S>
struct MmaConfig {
  static constexpr bool kDecode = S == Source::kDecode;
  static constexpr int kThreads = 128;
  static constexpr int kWarpsN = kDecode ? 4 : 1;  // warps sharing one 16-row slice
  static constexpr int kWarpsM = 4 / kWarpsN;
  static constexpr int kRows = 16 * kWarpsM;
  static constexpr int kBlockN = (kDecode || D <= 128) ? 64 : 32;
  static constexpr int kWarpKeys = kBlockN / kWarpsN;
  // Two stages: one tile in flight while the other is scored. For decode this keeps a block under
  // 75 KB of shared memory at head size 128, so three blocks share a multiprocessor and one's
  // start-up and final combine overlap the others' streaming.
  static constexpr int kStages = 2;
  static constexpr int kChunks = D / 8;         // 16-byte chunks per row
  static constexpr int kRowBytes = 2 * D + 16;  // padded row
  static constexpr int kQBytes = kRows * kRowBytes;
  static constexpr int kTileBytes = kBlockN * kRowBytes;
  static constexpr int kSmemBytes = kQBytes + kStages * 2 * kTileBytes;
  static constexpr bool kQInRegisters = D <= 128;
  static constexpr int kKSteps = D / 16;         // k-steps of Q·Kᵀ
  static constexpr int kNTiles = kWarpKeys / 8;  // 8-key score tiles per warp
  static constexpr int kDTiles = D / 8;          // 8-wide output tiles
  static_assert(D % 16 == 0, "head size must be a multiple of 16");
  static_assert(kNTiles % 2 == 0, "score tiles come in pairs (one ldmatrix.x4)");
  static_assert(!kDecode || 4 * 16 * (D + 2) * 4 + 4 * 16 * 4 + 2 * 16 * 4 <= kStages * 2 * kTileBytes,
                "decode combine fits in the K/V stages");
};

/// Tokens per block tile: kRows rows over gh query heads each.
template <int D, Source S>
__host__ __device__ constexpr int mma_heads_per_block(int group) {
  return group < MmaConfig<D, S>::kRows ? group : MmaConfig<D, S>::kRows;
}

__device__ __forceinline__ uint32_t smem_address(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

__device__ __forceinline__ void cp_async_16(uint32_t dst, const void* src, bool fill) {
  const int bytes = fill ? 16 : 0;  // 0: zero-fill the 16 bytes
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(bytes));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N>
__device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
}

__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], uint32_t address) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(address));
}
__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t (&r)[4], uint32_t address) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(address));
}

/// c += a·b for one m16n8k16 tile (row-major A, column-major B, float32 C).
template <bool kF16>
__device__ __forceinline__ void mma_16816(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  if constexpr (kF16) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%0, %1, %2, %3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  } else {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%0, %1, %2, %3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  }
}

/// 2^x by the SFU (relative error ~2^-22; results under 2^-126 flush to 0, as softmax weights may).
/// exp2f would add range handling around the same instruction, in the kernels' hottest loop.
__device__ __forceinline__ float fast_exp2(float x) {
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
  return y;
}

/// Rounds (x0, x1) to the 16-bit type as hi, and the remainders as lo (x0 in the low half).
template <bool kF16>
__device__ __forceinline__ void split_pair(float x0, float x1, uint32_t* hi, uint32_t* lo) {
  if constexpr (kF16) {
    const __half2 h = __floats2half2_rn(x0, x1);
    const __half2 l = __floats2half2_rn(x0 - __low2float(h), x1 - __high2float(h));
    *hi = *reinterpret_cast<const uint32_t*>(&h);
    *lo = *reinterpret_cast<const uint32_t*>(&l);
  } else {
    const __nv_bfloat162 h = __floats2bfloat162_rn(x0, x1);
    const __nv_bfloat162 l = __floats2bfloat162_rn(x0 - __low2float(h), x1 - __high2float(h));
    *hi = *reinterpret_cast<const uint32_t*>(&h);
    *lo = *reinterpret_cast<const uint32_t*>(&l);
  }
}

template <bool kF16>
__device__ __forceinline__ uint32_t pack_pair(float x0, float x1) {
  if constexpr (kF16) {
    const __half2 h = __floats2half2_rn(x0, x1);
    return *reinterpret_cast<const uint32_t*>(&h);
  } else {
    const __nv_bfloat162 h = __floats2bfloat162_rn(x0, x1);
    return *reinterpret_cast<const uint32_t*>(&h);
  }
}

template <bool kF16, int D, Source S>
__global__ void __launch_bounds__(128) mma_attention_kernel(const KernelArgs args);

}  // namespace vllmts::cuda::attention_detail
