// Launch helpers shared by the CUDA kernels: grid sizing and launch-error reporting.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "common/status.h"

namespace vllmts::cuda {

constexpr int kThreadsPerBlock = 256;

// Grid-stride loops cover any size; cap the grid at a few waves of the device's SMs.
inline unsigned grid_for(int64_t work_items, int threads = kThreadsPerBlock) {
  const int64_t blocks = (work_items + threads - 1) / threads;
  return static_cast<unsigned>(std::clamp<int64_t>(blocks, 1, 132 * 32));
}

inline Status launch_status() {
  const cudaError_t error = cudaGetLastError();
  if (error == cudaSuccess) return Status::kOk;
  return error == cudaErrorMemoryAllocation ? Status::kOutOfMemory : Status::kDeviceError;
}

}  // namespace vllmts::cuda
