// moeExperts on CUDA tensors, without a host sync: for each chunk of tokens, every expert runs its
// gated MLP over all of the chunk's tokens through the cuBLASLt GEMM (cuda_gemm.h), and a kernel
// adds each token's routed outputs, weighted, into a float32 accumulator (moe.cuh).
//
// Why not gather each expert's tokens first: how many tokens each expert got lives on the device,
// and cuBLASLt takes its row count from the host, so without a sync an expert's GEMM must be sized
// for the most it could get, every token of the chunk, anyway. Gathering would add copies and
// change nothing; skipping it keeps the rows in place. The cost: E/k times the routed FLOPs
// (prefill), and every expert's weights read even when no token chose it (decode). A device-driven
// grouped GEMM (tile → expert maps built by a kernel) is the way past that.
//
// Rounding matches the CPU kernel: GEMM outputs in x's dtype, silu rounded before the product, the
// weighted sum in float32 in expert order, rounded once. The workspace (per device, grown on
// demand, like the GEMM workspace) holds one chunk: $VLLM_TS_MOE_WORKSPACE_MB (default 256) bounds
// it. Growing allocates, which a CUDA graph capture cannot: run the largest batch eagerly first.
#pragma once

#include <string>

#include "common/status.h"
#include "cpu/moe.h"

namespace vllmts::native {

/// Queues the MoE layer of `args` (device pointers) on CUDA device `device`'s stream. Expert ids
/// outside [0, experts) match no expert (their pairs add nothing). On failure `*detail` says why.
Status cuda_moe_experts(int device, const cpu::MoeArgs& args, std::string* detail);

}  // namespace vllmts::native
