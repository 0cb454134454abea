#include "storage.h"

#include <cstdlib>
#include <string>

#include "cuda_device.h"
#include "errors.h"

namespace vllmts::native {
namespace {

// 64-byte alignment keeps AVX-512 loads aligned and matches a cache line.
constexpr size_t kHostAlignment = 64;

std::string describe_bytes(size_t bytes) {
  return std::to_string(bytes) + " bytes (" + std::to_string(bytes / (1024.0 * 1024.0)) + " MiB)";
}

}  // namespace

std::shared_ptr<Storage> Storage::allocate(Napi::Env env, Device device, size_t bytes) {
  void* data = nullptr;
  if (device.kind == Device::kCpu) {
    if (bytes > 0) {
      const size_t rounded = (bytes + kHostAlignment - 1) / kHostAlignment * kHostAlignment;
      data = std::aligned_alloc(kHostAlignment, rounded);
      if (data == nullptr) {
        throw_error(env, ErrorKind::kOutOfMemory, "cannot allocate " + describe_bytes(bytes) + " of host memory");
      }
      // Host memory counts against V8's heuristics so unreferenced tensors get collected.
      Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(bytes));
    }
  } else {
#if defined(VLLM_TS_WITH_CUDA)
    if (device.index >= cuda_device::device_count()) {
      throw_error(env, ErrorKind::kDevice, "no CUDA device " + device.name() + ": " + cuda_device::unavailable_reason());
    }
    if (bytes > 0) {
      cuda_device::set_device(device.index);
      const cudaError_t error = cudaMalloc(&data, bytes);
      if (error != cudaSuccess) {
        cudaGetLastError();
        throw_error(env, error == cudaErrorMemoryAllocation ? ErrorKind::kOutOfMemory : ErrorKind::kDevice,
                    "cannot allocate " + describe_bytes(bytes) + " on " + device.name() + ": " +
                        cudaGetErrorString(error));
      }
    }
#else
    throw_error(env, ErrorKind::kDevice,
                "cannot allocate on " + device.name() + ": " + cuda_device::unavailable_reason());
#endif
  }
  return std::shared_ptr<Storage>(new Storage(env, device, data, bytes));
}

Storage::~Storage() { release(); }

void Storage::release() {
  if (released_) return;
  released_ = true;
  if (data_ == nullptr) return;
  if (device_.kind == Device::kCpu) {
    std::free(data_);
    Napi::MemoryManagement::AdjustExternalMemory(Napi::Env(env_), -static_cast<int64_t>(bytes_));
  } else {
#if defined(VLLM_TS_WITH_CUDA)
    // Work queued on the stream may still read this buffer; wait for it before freeing.
    cuda_device::set_device(device_.index);
    cudaStreamSynchronize(cuda_device::stream(device_.index));
    cudaFree(data_);
#endif
  }
  data_ = nullptr;
}

}  // namespace vllmts::native
