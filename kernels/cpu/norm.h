// Normalisation over the last dimension of [rows, hidden] tensors: RMSNorm (Llama and Gemma
// forms), vLLM's fused residual-add + RMSNorm, and LayerNorm. Statistics are float32.
#pragma once

#include <cstdint>

#include "common/dtype.h"
#include "common/status.h"

namespace vllmts::cpu {

struct NormArgs {
  int64_t rows;
  int64_t hidden;
  DType dtype;           // x, out and residual
  const void* weight;    // [hidden]
  DType weight_dtype;
  float eps;
  bool gemma;            // multiply by (1 + w) instead of w
};

/// out = x / sqrt(mean(x²) + eps) · w. The Llama form rounds x / rms to the dtype before the
/// weight multiplies it (as Hugging Face and vLLM do); the Gemma form computes
/// x / rms · (1 + w) in float32 and rounds once. out may be x.
Status rms_norm(const NormArgs& args, const void* x, void* out);

/// residual = x + residual (rounded to the dtype); x = rms_norm(residual). Both in place.
Status fused_add_rms_norm(const NormArgs& args, void* x, void* residual);

/// out = (x - mean) / sqrt(var + eps) · w + b (biased variance; bias may be null), float32 math,
/// rounded once. out may be x.
Status layer_norm(const NormArgs& args, const void* x, const void* bias, DType bias_dtype, void* out);

}  // namespace vllmts::cpu
