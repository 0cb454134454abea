// Bindings for device memory accounting and pinned host memory:
//   memoryStats(deviceIndex) → { reservedBytes, peakReservedBytes, allocatedBytes, peakAllocatedBytes,
//                               allocations, pooled }
//   emptyCache(deviceIndex), resetPeakMemoryStats(deviceIndex)
//   deviceMemoryInfo(deviceIndex) → { freeBytes, totalBytes }   (the driver's view, cudaMemGetInfo)
//   emptyPinned(dtype, shape) → a CPU tensor in page-locked memory (plain memory without CUDA)
//   isPinned(tensor) → boolean
// gpuMemoryUtilization sizing reads deviceMemoryInfo and the peaks; dispose() + emptyCache() hands
// memory back to the driver.
#include "cuda_device.h"
#include "device_memory.h"
#include "errors.h"
#include "registry.h"
#include "tensor.h"
#include "tensor_arg.h"

namespace vllmts::native {
namespace {

// The CUDA device named by argument 0; throws a typed error when there is none.
int cuda_device_arg(const Napi::CallbackInfo& info, const char* op) {
  const int64_t index = int_arg(info, 0, op, "deviceIndex");
  if (index < 0) fail(info.Env(), op, "argument 'deviceIndex' must be non-negative");
  if (index >= cuda_device::device_count()) {
    throw_error(info.Env(), ErrorKind::kDevice,
                std::string(op) + ": no CUDA device cuda:" + std::to_string(index) + ": " +
                    (cuda_device::device_count() == 0 ? cuda_device::unavailable_reason()
                                                      : "only " + std::to_string(cuda_device::device_count()) +
                                                            " device(s) are present"));
  }
  return static_cast<int>(index);
}

Napi::Value memory_stats(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const int device = cuda_device_arg(info, "memoryStats");
  Napi::Object result = Napi::Object::New(env);
#if defined(VLLM_TS_WITH_CUDA)
  const device_memory::Stats stats = device_memory::stats(device);
  result.Set("reservedBytes", static_cast<double>(stats.reserved_bytes));
  result.Set("peakReservedBytes", static_cast<double>(stats.peak_reserved_bytes));
  result.Set("allocatedBytes", static_cast<double>(stats.allocated_bytes));
  result.Set("peakAllocatedBytes", static_cast<double>(stats.peak_allocated_bytes));
  result.Set("allocations", static_cast<double>(stats.allocations));
  result.Set("pooled", stats.pooled);
#else
  (void)device;
#endif
  return result;
}

void empty_cache(const Napi::CallbackInfo& info) {
  const int device = cuda_device_arg(info, "emptyCache");
#if defined(VLLM_TS_WITH_CUDA)
  const cudaError_t error = device_memory::empty_cache(device);
  if (error == cudaErrorStreamCaptureUnsupported) {
    throw_error(info.Env(), ErrorKind::kDevice,
                "emptyCache: cuda:" + std::to_string(device) + " is capturing a CUDA graph; call it after endCapture");
  }
  if (error != cudaSuccess) {
    throw_error(info.Env(), ErrorKind::kDevice, std::string("emptyCache: ") + cudaGetErrorString(error));
  }
#else
  (void)device;
#endif
}

void reset_peak_memory_stats(const Napi::CallbackInfo& info) {
  const int device = cuda_device_arg(info, "resetPeakMemoryStats");
#if defined(VLLM_TS_WITH_CUDA)
  device_memory::reset_peak(device);
#else
  (void)device;
#endif
}

Napi::Value device_memory_info(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const int device = cuda_device_arg(info, "deviceMemoryInfo");
  Napi::Object result = Napi::Object::New(env);
#if defined(VLLM_TS_WITH_CUDA)
  size_t free_bytes = 0;
  size_t total_bytes = 0;
  cudaError_t error = cudaSetDevice(device);
  if (error == cudaSuccess) error = cudaMemGetInfo(&free_bytes, &total_bytes);
  if (error != cudaSuccess) {
    cudaGetLastError();
    throw_error(env, ErrorKind::kDevice, std::string("deviceMemoryInfo: ") + cudaGetErrorString(error));
  }
  result.Set("freeBytes", static_cast<double>(free_bytes));
  result.Set("totalBytes", static_cast<double>(total_bytes));
#else
  (void)device;
#endif
  return result;
}

// emptyPinned(dtype, shape): uninitialised host memory, page-locked when a CUDA device is present.
Napi::Value empty_pinned(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const int64_t code = int_arg(info, 0, "emptyPinned", "dtype");
  if (code < 0 || code >= kNumDTypes) fail(env, "emptyPinned", "unknown dtype code " + std::to_string(code));
  const DType dtype = static_cast<DType>(code);
  const Shape shape = shape_from_js(env, info[1], "emptyPinned");
  auto storage = Storage::allocate_pinned(env, static_cast<size_t>(shape.numel() * dtype_size(dtype)));
  return NativeTensor::create(env, std::move(storage), 0, dtype, shape, true);
}

Napi::Value is_pinned(const Napi::CallbackInfo& info) {
  tensor_arg(info, 0, "isPinned", "tensor");  // validates: a live tensor
  const NativeTensor* tensor = NativeTensor::Unwrap(info[0].As<Napi::Object>());
  return Napi::Boolean::New(info.Env(), tensor->storage()->pinned());
}

void register_memory_ops(Napi::Env env, Napi::Object ops) {
  ops.Set("memoryStats", Napi::Function::New<memory_stats>(env, "memoryStats"));
  ops.Set("emptyCache", Napi::Function::New<empty_cache>(env, "emptyCache"));
  ops.Set("resetPeakMemoryStats", Napi::Function::New<reset_peak_memory_stats>(env, "resetPeakMemoryStats"));
  ops.Set("deviceMemoryInfo", Napi::Function::New<device_memory_info>(env, "deviceMemoryInfo"));
  ops.Set("emptyPinned", Napi::Function::New<empty_pinned>(env, "emptyPinned"));
  ops.Set("isPinned", Napi::Function::New<is_pinned>(env, "isPinned"));
}

}  // namespace

VLLM_TS_OP_GROUP(memory, register_memory_ops);

}  // namespace vllmts::native
