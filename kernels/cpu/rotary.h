// Rotary position embedding applied in place to query and key heads.
//
// Layouts: q [tokens, q_heads, head_size], k [tokens, k_heads, head_size] (contiguous, one dtype);
// cos_sin [max_positions, rotary_dim] float32 with cos in columns [0, rotary_dim/2) and sin in
// [rotary_dim/2, rotary_dim). Only the first rotary_dim elements of each head rotate.
//   NeoX style (rotate halves):   pairs (i, i + rotary_dim/2)
//   GPT-J style (interleaved):    pairs (2i, 2i + 1)
// Each pair (a, b) with angle θ_i becomes (a·cos − b·sin, b·cos + a·sin), in float32.
#pragma once

#include <cstdint>

#include "common/dtype.h"
#include "common/status.h"

namespace vllmts::cpu {

struct RotaryArgs {
  int64_t tokens;
  int64_t q_heads;
  int64_t k_heads;  // 0 when there is no key
  int64_t head_size;
  int64_t rotary_dim;  // even, ≤ head_size
  bool neox;
  DType dtype;
  const float* cos_sin;
  int64_t max_positions;
};

/// Index of the first position outside [0, max_positions), or -1. positions are int32 or int64.
int64_t first_bad_position(const void* positions, DType dtype, int64_t n, int64_t max_positions);

/// Rotates q (and k unless null) in place; positions must be in range (check first).
Status rotary_embedding(const RotaryArgs& args, const void* positions, DType positions_dtype, void* q, void* k);

}  // namespace vllmts::cpu
