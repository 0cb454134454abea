#include "device_memory.h"

#if defined(VLLM_TS_WITH_CUDA)

#include <algorithm>
#include <limits>
#include <mutex>
#include <stdexcept>

namespace vllmts::native::device_memory {
namespace {

struct DeviceState {
  bool initialised = false;
  bool used = false;
  cudaMemPool_t pool = nullptr;  // null: no pool support, plain cudaMalloc
  uint64_t allocated = 0;
  uint64_t peak_allocated = 0;
  uint64_t allocations = 0;
  bool capturing = false;
  std::vector<ParkedBlock> parked;
};

// Guards g_devices; cuda_device has its own lock, always taken after this one.
std::mutex g_mutex;
std::vector<DeviceState> g_devices;

std::string describe(cudaError_t error) {
  return std::string(cudaGetErrorName(error)) + ": " + cudaGetErrorString(error);
}

// Sets up the pool on first use of a device.
DeviceState& state_for(int device) {
  if (g_devices.size() <= static_cast<size_t>(device)) g_devices.resize(device + 1);
  DeviceState& state = g_devices[device];
  if (state.initialised) return state;
  state.initialised = true;
  int supported = 0;
  if (cudaDeviceGetAttribute(&supported, cudaDevAttrMemoryPoolsSupported, device) != cudaSuccess) supported = 0;
  cudaMemPool_t pool = nullptr;
  if (supported && cudaDeviceGetDefaultMemPool(&pool, device) == cudaSuccess) {
    // Keep freed memory in the pool instead of returning it at every synchronisation: reuse is
    // what makes a free inside a step cost nothing. empty_cache() trims explicitly.
    uint64_t keep_everything = std::numeric_limits<uint64_t>::max();
    if (cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep_everything) == cudaSuccess) {
      state.pool = pool;
    }
  }
  cudaGetLastError();  // a failed probe must not surface as a later kernel's launch error
  return state;
}

uint64_t pool_attribute(cudaMemPool_t pool, cudaMemPoolAttr attribute) {
  uint64_t value = 0;
  if (cudaMemPoolGetAttribute(pool, attribute, &value) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return value;
}

bool stream_capturing(int device) {
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  if (cudaStreamIsCapturing(cuda_device::stream(device), &status) != cudaSuccess) {
    cudaGetLastError();
    return false;
  }
  return status != cudaStreamCaptureStatusNone;
}

void free_now(const DeviceState& state, int device, void* ptr) {
  cuda_device::set_device(device);
  if (state.pool != nullptr) {
    cudaFreeAsync(ptr, cuda_device::stream(device));
  } else {
    // cudaFree does not order itself after the stream's queued work: wait for it first.
    cudaStreamSynchronize(cuda_device::stream(device));
    cudaFree(ptr);
  }
  cudaGetLastError();
}

cudaError_t allocate_locked(int device, size_t bytes, void** out, std::string* message) {
  DeviceState& state = state_for(device);
  if (state.capturing || stream_capturing(device)) {
    *message = "cannot allocate while cuda:" + std::to_string(device) +
               " is capturing a CUDA graph; allocate buffers (an arena) before capture";
    return cudaErrorStreamCaptureUnsupported;
  }
  cuda_device::set_device(device);
  const cudaStream_t stream = cuda_device::stream(device);
  cudaError_t error = state.pool != nullptr ? cudaMallocAsync(out, bytes, stream) : cudaMalloc(out, bytes);
  if (error == cudaErrorMemoryAllocation && state.pool != nullptr) {
    // The pool may hold enough memory in blocks of the wrong size: let pending frees land, give the
    // cache back to the driver, and try once more before reporting out-of-memory.
    cudaGetLastError();
    cudaStreamSynchronize(stream);
    cudaMemPoolTrimTo(state.pool, 0);
    error = cudaMallocAsync(out, bytes, stream);
  }
  if (error != cudaSuccess) {
    cudaGetLastError();
    *out = nullptr;
    *message = describe(error);
    return error;
  }
  state.used = true;
  state.allocated += bytes;
  state.allocations += 1;
  state.peak_allocated = std::max(state.peak_allocated, state.allocated);
  return cudaSuccess;
}

void release_locked(int device, void* ptr, size_t bytes) {
  DeviceState& state = state_for(device);
  state.allocated -= std::min<uint64_t>(state.allocated, bytes);
  state.allocations -= std::min<uint64_t>(state.allocations, 1);
  if (state.capturing || stream_capturing(device)) {
    // A free on a capturing stream would become a node of the graph (and run on every replay).
    state.parked.push_back(ParkedBlock{ptr, bytes});
    return;
  }
  free_now(state, device, ptr);
}

}  // namespace

bool capturing(int device) {
  try {
    return stream_capturing(device);
  } catch (const std::exception&) {
    return false;
  }
}

cudaError_t allocate(int device, size_t bytes, void** out, std::string* message) {
  std::lock_guard<std::mutex> lock(g_mutex);
  *out = nullptr;
  try {
    return allocate_locked(device, bytes, out, message);
  } catch (const std::exception& error) {  // cuda_device reports a broken device by throwing
    *message = error.what();
    return cudaErrorInvalidDevice;
  }
}

void release(int device, void* ptr, size_t bytes) {
  if (ptr == nullptr) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  try {
    release_locked(device, ptr, bytes);
  } catch (const std::exception&) {
    // The device failed (driver error); its memory went with it.
  }
}

void release_parked(int device, std::vector<ParkedBlock>* blocks) {
  if (blocks->empty()) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  try {
    DeviceState& state = state_for(device);
    if (state.capturing || stream_capturing(device)) {
      // Destroyed during another capture: that capture's graph may use the memory now.
      state.parked.insert(state.parked.end(), blocks->begin(), blocks->end());
    } else {
      for (const ParkedBlock& block : *blocks) free_now(state, device, block.ptr);
    }
  } catch (const std::exception&) {
    // As in release().
  }
  blocks->clear();
}

void begin_capture(int device) {
  std::lock_guard<std::mutex> lock(g_mutex);
  state_for(device).capturing = true;
}

std::vector<ParkedBlock> end_capture(int device) {
  std::lock_guard<std::mutex> lock(g_mutex);
  DeviceState& state = state_for(device);
  state.capturing = false;
  std::vector<ParkedBlock> parked;
  parked.swap(state.parked);
  return parked;
}

Stats stats(int device) {
  std::lock_guard<std::mutex> lock(g_mutex);
  DeviceState& state = state_for(device);
  Stats out;
  out.allocated_bytes = state.allocated;
  out.peak_allocated_bytes = state.peak_allocated;
  out.allocations = state.allocations;
  out.pooled = state.pool != nullptr;
  if (state.pool != nullptr) {
    out.reserved_bytes = pool_attribute(state.pool, cudaMemPoolAttrReservedMemCurrent);
    out.peak_reserved_bytes = pool_attribute(state.pool, cudaMemPoolAttrReservedMemHigh);
  } else {
    // Without a pool nothing is cached: what is reserved is what is allocated.
    out.reserved_bytes = state.allocated;
    out.peak_reserved_bytes = state.peak_allocated;
  }
  return out;
}

cudaError_t empty_cache(int device) {
  std::lock_guard<std::mutex> lock(g_mutex);
  try {
    DeviceState& state = state_for(device);
    if (state.capturing || stream_capturing(device)) return cudaErrorStreamCaptureUnsupported;
    cuda_device::set_device(device);
    cudaError_t error = cudaStreamSynchronize(cuda_device::stream(device));
    if (error == cudaSuccess && state.pool != nullptr) error = cudaMemPoolTrimTo(state.pool, 0);
    if (error != cudaSuccess) cudaGetLastError();
    return error;
  } catch (const std::exception&) {
    return cudaErrorInvalidDevice;
  }
}

void reset_peak(int device) {
  std::lock_guard<std::mutex> lock(g_mutex);
  DeviceState& state = state_for(device);
  state.peak_allocated = state.allocated;
  if (state.pool != nullptr) {
    // The driver only accepts zero here, which restarts the high watermarks at the current values.
    uint64_t zero = 0;
    cudaMemPoolSetAttribute(state.pool, cudaMemPoolAttrReservedMemHigh, &zero);
    cudaMemPoolSetAttribute(state.pool, cudaMemPoolAttrUsedMemHigh, &zero);
    cudaGetLastError();
  }
}

void synchronize_used_devices() {
  std::vector<int> used;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    for (size_t i = 0; i < g_devices.size(); ++i) {
      if (g_devices[i].used) used.push_back(static_cast<int>(i));
    }
  }
  for (int device : used) {
    try {
      cuda_device::synchronize(device);
    } catch (const std::exception&) {
      // A failed device has nothing in flight that could still touch host memory.
    }
  }
  cudaGetLastError();
}

}  // namespace vllmts::native::device_memory

#endif
