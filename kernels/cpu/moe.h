// Mixture-of-experts (Mixtral): routing tokens to their top-k experts, and running the experts'
// gated MLPs over the tokens routed to them with the dense GEMM.
//
// Expert weight packing (the checkpoint's w1 / w3 / w2 of each expert, stacked):
//   w13 [experts, 2·inter, hidden]: rows [0, inter) are w1 (gate), rows [inter, 2·inter) are w3 (up)
//   w2  [experts, hidden, inter]:   the down projection
#pragma once

#include <cstdint>

#include "common/dtype.h"
#include "common/status.h"

namespace vllmts::cpu {

/// weights[t, j], ids[t, j] = the top-k experts of softmax(logits[t]) (float32; ties to the lower
/// expert), renormalised to sum to 1 when `renormalize`.
Status moe_route(const void* logits, DType logits_dtype, int64_t tokens, int64_t experts, int64_t top_k,
                 bool renormalize, float* weights, int32_t* ids);

struct MoeArgs {
  const void* x;  // [tokens, hidden]
  DType dtype;    // of x and out
  void* out;      // [tokens, hidden]
  int64_t tokens, hidden, inter, experts, top_k;
  const void* w13;  // [experts, 2·inter, hidden]
  const void* w2;   // [experts, hidden, inter]
  DType w_dtype;
  const float* weights;  // [tokens, top_k]
  const int32_t* ids;    // [tokens, top_k], in [0, experts)
};

/// out[t] = Σ_j weights[t, j] · mlp(ids[t, j], x[t]) with
/// mlp(e, x) = w2_e · (silu(w1_e · x) ⊙ (w3_e · x)). Each expert's MLP rounds where the dense path
/// (linear → siluAndMul → linear in x's dtype) rounds; the weighted sum is float32, rounded once.
Status moe_experts(const MoeArgs& args);

}  // namespace vllmts::cpu
