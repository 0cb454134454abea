// Reusable blocks of page-locked host memory for staging downloads. cudaHostAlloc is slow (it maps
// and locks pages), so blocks go back to a pool per device and size class (powers of two from
// 64 KiB) and are handed out again; each carries an event of its device for "the copy into me is
// done". Thread-safe: the main thread and download workers share it.
#pragma once

#if defined(VLLM_TS_WITH_CUDA)

#include <cstddef>

#include "cuda_device.h"

namespace vllmts::native::pinned_pool {

struct Block {
  int device = 0;
  char* data = nullptr;  // null: no block
  size_t capacity = 0;
  cudaEvent_t event = nullptr;  // timing disabled; created on `device`
};

/// A block of at least `bytes` for copies on `device`.
cudaError_t acquire(int device, size_t bytes, Block* block);

/// Returns a block once nothing queued still writes it (null blocks are ignored).
void release(Block* block);

}  // namespace vllmts::native::pinned_pool

#endif
