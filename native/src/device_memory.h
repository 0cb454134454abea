// Device memory for tensors: a stream-ordered caching allocator over CUDA's memory pools.
//
// Allocations come from the device's default pool with cudaMallocAsync on the device's stream, and
// frees go back with cudaFreeAsync on the same stream: a free never waits for the GPU (work queued
// before it still sees the memory; work queued after it may reuse it), and the pool keeps freed
// memory for reuse (its release threshold is raised to "keep everything"), so allocating and
// freeing inside a step costs a few microseconds and no synchronisation. `empty_cache` hands the
// unused part back to the driver. Devices without pool support fall back to cudaMalloc/cudaFree.
//
// CUDA graphs: nothing may be allocated while a device's stream is capturing (the runner allocates
// its arena before capture), and memory freed during a capture is parked with that capture and
// released when the graph it produced is destroyed, since the graph may still use it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cuda_device.h"

namespace vllmts::native::device_memory {

struct Stats {
  uint64_t reserved_bytes = 0;        // held by the pool (in use + cached)
  uint64_t peak_reserved_bytes = 0;   // since the last reset_peak
  uint64_t allocated_bytes = 0;       // live allocations, as requested
  uint64_t peak_allocated_bytes = 0;  // since the last reset_peak
  uint64_t allocations = 0;           // live allocations
  bool pooled = false;                // false: plain cudaMalloc (no pool support)
};

/// A block freed during a capture, released when the captured graph goes away.
struct ParkedBlock {
  void* ptr = nullptr;
  size_t bytes = 0;
};

#if defined(VLLM_TS_WITH_CUDA)

/// Allocates `bytes` (> 0) on `device`, ordered on its stream. On failure returns the CUDA error
/// (cudaErrorMemoryAllocation when the device is full) and fills `*message`.
cudaError_t allocate(int device, size_t bytes, void** out, std::string* message);

/// Returns a block from `allocate`; stream-ordered and never blocking (parked during a capture).
void release(int device, void* ptr, size_t bytes);

/// Frees parked blocks (stream-ordered), e.g. when the graph that may use them is destroyed.
void release_parked(int device, std::vector<ParkedBlock>* blocks);

/// Marks the start and end of a capture on `device`; end hands over what was parked meanwhile.
void begin_capture(int device);
std::vector<ParkedBlock> end_capture(int device);

Stats stats(int device);

/// Waits for the device's stream (so pending frees land) and returns cached memory to the driver.
cudaError_t empty_cache(int device);

/// Restarts the peak counters at the current values.
void reset_peak(int device);

/// Waits for the streams of every device that has allocated memory: before freeing pinned host
/// memory that an in-flight copy may still touch.
void synchronize_used_devices();

/// True if `device`'s stream is capturing a CUDA graph.
bool capturing(int device);

#endif

}  // namespace vllmts::native::device_memory
