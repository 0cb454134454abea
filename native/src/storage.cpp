#include "storage.h"

#include <cstdlib>
#include <string>

#include "cuda_device.h"
#include "device_memory.h"
#include "errors.h"

namespace vllmts::native {
namespace {

// 64-byte alignment keeps AVX-512 loads aligned and matches a cache line.
constexpr size_t kHostAlignment = 64;

std::string describe_bytes(size_t bytes) {
  return std::to_string(bytes) + " bytes (" + std::to_string(bytes / (1024.0 * 1024.0)) + " MiB)";
}

void* host_alloc(Napi::Env env, size_t bytes) {
  const size_t rounded = (bytes + kHostAlignment - 1) / kHostAlignment * kHostAlignment;
  void* data = std::aligned_alloc(kHostAlignment, rounded);
  if (data == nullptr) {
    throw_error(env, ErrorKind::kOutOfMemory, "cannot allocate " + describe_bytes(bytes) + " of host memory");
  }
  return data;
}

}  // namespace

std::shared_ptr<Storage> Storage::allocate(Napi::Env env, Device device, size_t bytes) {
  void* data = nullptr;
  if (device.kind == Device::kCpu) {
    if (bytes > 0) {
      data = host_alloc(env, bytes);
      // Host memory counts against V8's heuristics so unreferenced tensors get collected.
      Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(bytes));
    }
    return std::shared_ptr<Storage>(new Storage(env, device, Kind::kHost, data, bytes));
  }
#if defined(VLLM_TS_WITH_CUDA)
  if (device.index >= cuda_device::device_count()) {
    throw_error(env, ErrorKind::kDevice, "no CUDA device " + device.name() + ": " + cuda_device::unavailable_reason());
  }
  if (bytes > 0) {
    std::string message;
    const cudaError_t error = device_memory::allocate(device.index, bytes, &data, &message);
    if (error != cudaSuccess) {
      throw_error(env, error == cudaErrorMemoryAllocation ? ErrorKind::kOutOfMemory : ErrorKind::kDevice,
                  "cannot allocate " + describe_bytes(bytes) + " on " + device.name() + ": " + message);
    }
  }
  return std::shared_ptr<Storage>(new Storage(env, device, Kind::kDevice, data, bytes));
#else
  throw_error(env, ErrorKind::kDevice,
              "cannot allocate on " + device.name() + ": " + cuda_device::unavailable_reason());
#endif
}

std::shared_ptr<Storage> Storage::allocate_pinned(Napi::Env env, size_t bytes) {
  void* data = nullptr;
  Kind kind = Kind::kHost;
  if (bytes > 0) {
#if defined(VLLM_TS_WITH_CUDA)
    if (cuda_device::device_count() > 0) {
      // Portable: the pages are locked for every device's context, not only the current one.
      const cudaError_t error = cudaHostAlloc(&data, bytes, cudaHostAllocPortable);
      if (error != cudaSuccess) {
        cudaGetLastError();
        throw_error(env, error == cudaErrorMemoryAllocation ? ErrorKind::kOutOfMemory : ErrorKind::kDevice,
                    "cannot allocate " + describe_bytes(bytes) + " of pinned host memory: " +
                        cudaGetErrorString(error));
      }
      kind = Kind::kPinnedHost;
    }
#endif
    if (data == nullptr) data = host_alloc(env, bytes);
    Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(bytes));
  }
  return std::shared_ptr<Storage>(new Storage(env, Device{}, kind, data, bytes));
}

Storage::~Storage() { release(); }

void Storage::release() {
  if (released_) return;
  released_ = true;
  if (pins_ == 0) free_memory();
}

void Storage::unpin() {
  if (--pins_ == 0 && released_) free_memory();
}

void Storage::free_memory() {
  if (data_ == nullptr) return;
  switch (kind_) {
    case Kind::kHost:
      std::free(data_);
      Napi::MemoryManagement::AdjustExternalMemory(Napi::Env(env_), -static_cast<int64_t>(bytes_));
      break;
    case Kind::kPinnedHost:
#if defined(VLLM_TS_WITH_CUDA)
      // A copy queued on a device stream may still read or write these pages.
      device_memory::synchronize_used_devices();
      cudaFreeHost(data_);
      cudaGetLastError();
#endif
      Napi::MemoryManagement::AdjustExternalMemory(Napi::Env(env_), -static_cast<int64_t>(bytes_));
      break;
    case Kind::kDevice:
#if defined(VLLM_TS_WITH_CUDA)
      device_memory::release(device_.index, data_, bytes_);
#endif
      break;
  }
  data_ = nullptr;
}

}  // namespace vllmts::native
