// Mixture-of-experts kernels on CUDA: routing (the twin of cpu::moe_route) and the pieces that
// native/src/cuda_moe.cpp strings around the cuBLASLt expert GEMMs. Enqueued on `stream`, never
// syncing. Expert ids live on the device: an id outside [0, experts) matches no expert, so that
// pair contributes nothing (the CPU binding rejects it).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "common/dtype.h"
#include "common/status.h"

namespace vllmts::cuda {

/// weights[t, j], ids[t, j] = the top-k experts of softmax(logits[t]) (float32; ties to the lower
/// expert), renormalised to sum to 1 when `renormalize`. One warp per token.
Status moe_route(const void* logits, DType logits_dtype, int64_t tokens, int64_t experts, int64_t top_k,
                 bool renormalize, float* weights, int32_t* ids, cudaStream_t stream);

/// acc[t] += weights[t, j] · y[t] for every j with ids[t, j] == expert, in j order; acc is float32
/// [tokens, hidden], y [tokens, hidden] of `dtype`, weights/ids [tokens, top_k].
Status moe_accumulate(float* acc, const void* y, DType dtype, int64_t tokens, int64_t hidden, const float* weights,
                      const int32_t* ids, int64_t top_k, int32_t expert, cudaStream_t stream);

}  // namespace vllmts::cuda
