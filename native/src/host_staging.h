// Uploads from pageable host memory (JS buffers) to device memory through a pinned ring.
//
// The bytes are copied into a per-device ring of page-locked memory and the DMA to the device is
// queued on the device's stream; the call returns without waiting for the GPU, and the caller may
// reuse its buffer at once. A slot of the ring is reused only after the event recorded behind its
// copy has fired. (A cudaMemcpyAsync straight from pageable memory would first wait for all queued
// work.) Downloads are in host_download.h.
#pragma once

#if defined(VLLM_TS_WITH_CUDA)

#include <cstddef>

#include "cuda_device.h"

namespace vllmts::native::host_staging {

/// Queues a copy of `bytes` from host `src` to device `dst` on `device`'s stream; `src` may be
/// reused when this returns. Blocks only when more than the ring's capacity is still in flight.
cudaError_t upload(int device, void* dst, const void* src, size_t bytes);

}  // namespace vllmts::native::host_staging

#endif
