// Creating tensors and moving bytes between host and device. Uploads go through a pinned ring
// (host_staging.h): the JS bytes are copied into pinned memory and the DMA is queued, so the caller
// may reuse its buffer at once and nothing waits for the GPU. Downloads resolve a promise once the
// work queued before the call and the copy are done, without blocking the event loop.
#include <cstring>

#include "addon_state.h"
#include "device_memory.h"
#include "errors.h"
#include "host_download.h"
#include "host_staging.h"
#include "registry.h"
#include "tensor.h"
#include "tensor_arg.h"

namespace vllmts::native {
namespace {

Device device_from_js(const Napi::CallbackInfo& info, size_t kind_index, const char* op) {
  const int64_t kind = int_arg(info, kind_index, op, "deviceKind");
  const int64_t index = int_arg(info, kind_index + 1, op, "deviceIndex");
  if (kind != Device::kCpu && kind != Device::kCuda) fail(info.Env(), op, "unknown device kind");
  if (index < 0) fail(info.Env(), op, "device index must be non-negative");
  return Device{static_cast<Device::Kind>(kind), static_cast<int32_t>(index)};
}

DType dtype_from_js(const Napi::CallbackInfo& info, size_t index, const char* op) {
  const int64_t code = int_arg(info, index, op, "dtype");
  if (code < 0 || code >= kNumDTypes) fail(info.Env(), op, "unknown dtype code " + std::to_string(code));
  return static_cast<DType>(code);
}

// empty(dtype, shape, deviceKind, deviceIndex): uninitialised memory.
Napi::Value empty(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const DType dtype = dtype_from_js(info, 0, "empty");
  const Shape shape = shape_from_js(env, info[1], "empty");
  const Device device = device_from_js(info, 2, "empty");
  auto storage = Storage::allocate(env, device, static_cast<size_t>(shape.numel() * dtype_size(dtype)));
  return NativeTensor::create(env, std::move(storage), 0, dtype, shape, true);
}

void copy_host_to_tensor(Napi::Env env, const char* op, const NativeTensor& tensor, const void* src, size_t bytes) {
  if (bytes == 0) return;
  if (tensor.device().kind == Device::kCpu) {
    std::memcpy(tensor.data(), src, bytes);
    return;
  }
#if defined(VLLM_TS_WITH_CUDA)
  const int device = tensor.device().index;
  if (device_memory::capturing(device)) {
    throw_error(env, ErrorKind::kDevice,
                std::string(op) + ": cannot upload to " + tensor.device().name() +
                    " while it is capturing a CUDA graph; write the graph's inputs before replaying it");
  }
  // Ordered after earlier work on the stream; the bytes are staged, so `src` may change right away.
  const cudaError_t error = host_staging::upload(device, tensor.data(), src, bytes);
  if (error != cudaSuccess) {
    cudaGetLastError();
    throw_error(env, ErrorKind::kDevice, std::string(op) + ": copy to " + tensor.device().name() + " failed: " +
                                             cudaGetErrorString(error));
  }
#else
  (void)env;
  (void)op;
#endif
}

const void* host_bytes(const Napi::CallbackInfo& info, size_t index, const char* op, size_t* length) {
  if (!info[index].IsTypedArray() && !info[index].IsArrayBuffer()) fail(info.Env(), op, "data must be a typed array");
  if (info[index].IsArrayBuffer()) {
    auto buffer = info[index].As<Napi::ArrayBuffer>();
    *length = buffer.ByteLength();
    return buffer.Data();
  }
  auto array = info[index].As<Napi::TypedArray>();
  *length = array.ByteLength();
  return static_cast<const char*>(array.ArrayBuffer().Data()) + array.ByteOffset();
}

// fromHost(data, dtype, shape, deviceKind, deviceIndex): a new tensor holding a copy of `data`,
// whose bytes are already in `dtype`'s encoding.
Napi::Value from_host(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  size_t length = 0;
  const void* src = host_bytes(info, 0, "fromHost", &length);
  const DType dtype = dtype_from_js(info, 1, "fromHost");
  const Shape shape = shape_from_js(env, info[2], "fromHost");
  const Device device = device_from_js(info, 3, "fromHost");
  const size_t bytes = static_cast<size_t>(shape.numel() * dtype_size(dtype));
  if (length != bytes) {
    fail(env, "fromHost", "data holds " + std::to_string(length) + " bytes but shape " + shape.str() + " of " +
                              dtype_name(dtype) + " needs " + std::to_string(bytes));
  }
  auto storage = Storage::allocate(env, device, bytes);
  Napi::Object object = NativeTensor::create(env, std::move(storage), 0, dtype, shape, true);
  copy_host_to_tensor(env, "fromHost", *NativeTensor::Unwrap(object), src, bytes);
  return object;
}

// copyFromHost(tensor, data): overwrite a tensor (or view) with host bytes of the same size.
void copy_from_host(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const TensorArg dst = tensor_arg(info, 0, "copyFromHost", "dst");
  size_t length = 0;
  const void* src = host_bytes(info, 1, "copyFromHost", &length);
  const size_t bytes = static_cast<size_t>(dst.numel() * dtype_size(dst.dtype));
  if (length != bytes) {
    fail(env, "copyFromHost", "data holds " + std::to_string(length) + " bytes but the tensor has " +
                                  std::to_string(bytes));
  }
  copy_host_to_tensor(env, "copyFromHost", *NativeTensor::Unwrap(info[0].As<Napi::Object>()), src, bytes);
}

#if defined(VLLM_TS_WITH_CUDA)
// Finishes a download the main thread queued (host_download.h) on a worker thread, then resolves
// the promise on the main thread.
class DownloadWorker : public Napi::AsyncWorker {
 public:
  DownloadWorker(Napi::Env env, host_download::Pending pending, Napi::ArrayBuffer buffer)
      : Napi::AsyncWorker(env), pending_(pending), deferred_(Napi::Promise::Deferred::New(env)),
        buffer_(Napi::Persistent(buffer)), dst_(buffer.Data()) {}

  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    const cudaError_t error = host_download::finish(&pending_, dst_);
    if (error != cudaSuccess) {
      SetError(std::string("toHost: copy from the device failed: ") + cudaGetErrorString(error));
    }
  }
  void OnOK() override {
    host_download::end(&pending_);
    deferred_.Resolve(buffer_.Value());
  }
  void OnError(const Napi::Error& error) override {
    host_download::end(&pending_);
    AddonState& state = addon_state(Env());
    if (!state.device_error.IsEmpty()) {
      deferred_.Reject(state.device_error.New({Napi::String::New(Env(), error.Message())}));
    } else {
      deferred_.Reject(error.Value());
    }
  }

 private:
  host_download::Pending pending_;
  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::ArrayBuffer> buffer_;
  void* dst_;
};
#endif

Napi::Value resolved(Napi::Env env, Napi::ArrayBuffer buffer) {
  auto deferred = Napi::Promise::Deferred::New(env);
  deferred.Resolve(buffer);
  return deferred.Promise();
}

// toHost(tensor) → Promise<ArrayBuffer> with the tensor's bytes as of the call: the copy is queued
// behind the work already queued and ahead of anything queued after.
Napi::Value to_host(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const TensorArg src = tensor_arg(info, 0, "toHost", "tensor");
  const size_t bytes = static_cast<size_t>(src.numel() * dtype_size(src.dtype));
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, bytes);
  if (src.device.kind == Device::kCpu || bytes == 0) {
    if (bytes > 0) std::memcpy(buffer.Data(), src.data, bytes);
    return resolved(env, buffer);
  }
#if defined(VLLM_TS_WITH_CUDA)
  const int device = src.device.index;
  if (device_memory::capturing(device)) {
    throw_error(env, ErrorKind::kDevice,
                "toHost: cannot download from " + src.device.name() +
                    " while it is capturing a CUDA graph; read outputs after replaying the graph");
  }
  host_download::Pending pending;
  cudaError_t error = cudaSuccess;
  try {
    error = host_download::begin(device, src.data, bytes, &pending);
    if (error == cudaErrorMemoryAllocation) {
      // No device memory for a snapshot of a large tensor: copy now, blocking this thread.
      error = host_download::download_now(device, buffer.Data(), src.data, bytes);
      if (error == cudaSuccess) return resolved(env, buffer);
    }
  } catch (const std::exception& failure) {
    throw_error(env, ErrorKind::kDevice, std::string("toHost: ") + failure.what());
  }
  if (error != cudaSuccess) throw_error(env, ErrorKind::kDevice, std::string("toHost: ") + cudaGetErrorString(error));
  auto* worker = new DownloadWorker(env, pending, buffer);
  Napi::Promise promise = worker->promise();
  worker->Queue();
  return promise;
#else
  fail(env, "toHost", "CUDA tensors need an addon built with CUDA");
#endif
}

}  // namespace

void register_tensor_factories(Napi::Env env, Napi::Object exports) {
  exports.Set("empty", Napi::Function::New<empty>(env, "empty"));
  exports.Set("fromHost", Napi::Function::New<from_host>(env, "fromHost"));
  exports.Set("copyFromHost", Napi::Function::New<copy_from_host>(env, "copyFromHost"));
  exports.Set("toHost", Napi::Function::New<to_host>(env, "toHost"));
}

}  // namespace vllmts::native
