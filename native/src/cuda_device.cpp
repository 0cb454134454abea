#include "cuda_device.h"

#include <mutex>
#include <stdexcept>
#include <vector>

namespace vllmts::native::cuda_device {

#if defined(VLLM_TS_WITH_CUDA)

namespace {

std::string describe(cudaError_t error) {
  return std::string(cudaGetErrorName(error)) + ": " + cudaGetErrorString(error);
}

void check(cudaError_t error, const char* what) {
  if (error != cudaSuccess) throw std::runtime_error(std::string(what) + " failed: " + describe(error));
}

std::mutex g_mutex;
std::vector<cudaStream_t> g_streams;

}  // namespace

int device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky-free error so later calls start clean
    return 0;
  }
  return count;
}

std::string unavailable_reason() {
  int count = 0;
  const cudaError_t error = cudaGetDeviceCount(&count);
  cudaGetLastError();
  if (error != cudaSuccess) return describe(error);
  if (count == 0) return "the CUDA driver reports no devices";
  return "";
}

Properties properties(int index) {
  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, index), "cudaGetDeviceProperties");
  set_device(index);
  Properties out;
  out.name = prop.name;
  out.major = prop.major;
  out.minor = prop.minor;
  out.multiprocessors = prop.multiProcessorCount;
  check(cudaMemGetInfo(&out.free_memory, &out.total_memory), "cudaMemGetInfo");
  return out;
}

void set_device(int index) { check(cudaSetDevice(index), "cudaSetDevice"); }

cudaStream_t stream(int index) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_streams.size() <= static_cast<size_t>(index)) g_streams.resize(index + 1, nullptr);
  if (g_streams[index] == nullptr) {
    set_device(index);
    check(cudaStreamCreateWithFlags(&g_streams[index], cudaStreamNonBlocking), "cudaStreamCreate");
  }
  return g_streams[index];
}

void synchronize(int index) {
  set_device(index);
  check(cudaStreamSynchronize(stream(index)), "cudaStreamSynchronize");
}

std::string last_error() { return describe(cudaGetLastError()); }

#else  // built without CUDA

int device_count() { return 0; }
std::string unavailable_reason() { return "the native addon was built without CUDA"; }
Properties properties(int) { throw std::runtime_error(unavailable_reason()); }
cudaStream_t stream(int) { throw std::runtime_error(unavailable_reason()); }
void set_device(int) { throw std::runtime_error(unavailable_reason()); }
void synchronize(int) { throw std::runtime_error(unavailable_reason()); }
std::string last_error() { return unavailable_reason(); }

#endif

}  // namespace vllmts::native::cuda_device
