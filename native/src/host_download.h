// Downloads from device memory into host memory (JS ArrayBuffers), in two halves so the event loop
// never waits for the GPU:
//  - begin (main thread) queues the copy on the device's stream, where it is ordered after the work
//    queued before the call and before any queued after it (which may overwrite the tensor): small
//    tensors are copied straight into a pinned block; large ones are first copied to a device
//    snapshot, read later on a separate copy stream, so no pinned block as large as the tensor is
//    needed and the compute stream never waits for PCIe;
//  - finish (worker thread) waits for that copy and moves the bytes into the destination;
//  - end (main thread) hands the block or snapshot back.
#pragma once

#if defined(VLLM_TS_WITH_CUDA)

#include <cstddef>

#include "cuda_device.h"
#include "pinned_pool.h"

namespace vllmts::native::host_download {

struct Pending {
  int device = 0;
  size_t bytes = 0;
  pinned_pool::Block staged;   // small downloads: the bytes land here; staged.event says when
  void* snapshot = nullptr;    // large downloads: a device copy of the bytes
  cudaEvent_t ready = nullptr;  // large downloads: recorded after the snapshot copy
};

/// Main thread. Queues the copy of `bytes` (> 0) at `src` on `device`'s stream. Returns
/// cudaErrorMemoryAllocation when a large download finds no memory for its snapshot.
cudaError_t begin(int device, const void* src, size_t bytes, Pending* pending);

/// Worker thread. Blocks until the bytes are in `dst`.
cudaError_t finish(Pending* pending, void* dst);

/// Main thread, after finish (or instead of it, on failure).
void end(Pending* pending);

/// Main thread; blocks until all queued work and the copy are done. For when begin() has no memory.
cudaError_t download_now(int device, void* dst, const void* src, size_t bytes);

}  // namespace vllmts::native::host_download

#endif
