// The CUDA runtime as the addon sees it: one non-blocking stream per device, on which every op
// and transfer is enqueued. Compiled to "no CUDA" stubs when the addon is built without it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#if defined(VLLM_TS_WITH_CUDA)
#include <cuda_runtime.h>
#else
typedef struct CUstream_st* cudaStream_t;
#endif

namespace vllmts::native::cuda_device {

/// True when the addon was compiled with the CUDA backend.
constexpr bool compiled_with_cuda() {
#if defined(VLLM_TS_WITH_CUDA)
  return true;
#else
  return false;
#endif
}

/// Number of CUDA devices the driver reports (0 without a driver, a GPU, or CUDA support).
int device_count();

/// The error that made device_count() zero, for messages ("no CUDA-capable device", …).
std::string unavailable_reason();

struct Properties {
  std::string name;
  size_t total_memory = 0;
  size_t free_memory = 0;
  int major = 0;
  int minor = 0;
  int multiprocessors = 0;
};

/// Properties of device `index`; throws std::runtime_error if it cannot be queried.
Properties properties(int index);

/// The stream all work for device `index` goes to (created on first use).
cudaStream_t stream(int index);

/// Makes `index` the calling thread's current device.
void set_device(int index);

/// Waits until all work queued on device `index`'s stream is done.
void synchronize(int index);

/// The last CUDA error's name, for messages.
std::string last_error();

}  // namespace vllmts::native::cuda_device
