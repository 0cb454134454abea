// Rotary position embedding on CUDA, in place on q and k: the twin of cpu/rotary.h (same layouts,
// NeoX and GPT-J pairings, partial rotary), enqueued on `stream`, never syncing. cos/sin come from
// the float32 cache row of each token's position. The host cannot read the positions without
// waiting for the device, so a position outside [0, max_positions) leaves that token's heads
// unrotated instead of raising (the CPU kernel's binding rejects it).
#pragma once

#include <cuda_runtime.h>

#include "common/status.h"
#include "cpu/rotary.h"

namespace vllmts::cuda {

/// Rotates q (and k unless null); positions are int32 or int64, cos_sin lives on the device.
Status rotary_embedding(const cpu::RotaryArgs& args, const void* positions, DType positions_dtype, void* q, void* k,
                        cudaStream_t stream);

}  // namespace vllmts::cuda
