// Creating tensors and moving bytes between host and device. Uploads copy synchronously (the
// source is a JS buffer that may change right after the call); downloads resolve a promise once
// the device's queued work and the copy are done, without blocking the event loop.
#include <cstring>

#include "errors.h"
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
  // Ordered after earlier work on the stream; synchronous so the JS buffer can be reused at once.
  const cudaStream_t stream = stream_for(tensor.device());
  cudaError_t error = cudaMemcpyAsync(tensor.data(), src, bytes, cudaMemcpyHostToDevice, stream);
  if (error == cudaSuccess) error = cudaStreamSynchronize(stream);
  if (error != cudaSuccess) throw_error(env, ErrorKind::kDevice, std::string(op) + ": " + cudaGetErrorString(error));
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
// Copies device bytes into an ArrayBuffer off the main thread, then resolves the promise.
class DownloadWorker : public Napi::AsyncWorker {
 public:
  DownloadWorker(Napi::Env env, std::shared_ptr<Storage> storage, const void* src, Napi::ArrayBuffer buffer)
      : Napi::AsyncWorker(env), storage_(std::move(storage)), src_(src), deferred_(Napi::Promise::Deferred::New(env)),
        buffer_(Napi::Persistent(buffer)), dst_(buffer.Data()), bytes_(buffer.ByteLength()) {}

  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    const int device = storage_->device().index;
    if (cudaSetDevice(device) != cudaSuccess) return SetError("cudaSetDevice failed");
    const cudaStream_t stream = cuda_device::stream(device);
    cudaError_t error = cudaMemcpyAsync(dst_, src_, bytes_, cudaMemcpyDeviceToHost, stream);
    if (error == cudaSuccess) error = cudaStreamSynchronize(stream);
    if (error != cudaSuccess) SetError(std::string("toHost: ") + cudaGetErrorString(error));
  }
  void OnOK() override { deferred_.Resolve(buffer_.Value()); }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  std::shared_ptr<Storage> storage_;  // keeps the memory alive while the copy runs
  const void* src_;
  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::ArrayBuffer> buffer_;
  void* dst_;
  size_t bytes_;
};
#endif

// toHost(tensor) → Promise<ArrayBuffer> with the tensor's bytes.
Napi::Value to_host(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const TensorArg src = tensor_arg(info, 0, "toHost", "tensor");
  const size_t bytes = static_cast<size_t>(src.numel() * dtype_size(src.dtype));
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, bytes);
  if (src.device.kind == Device::kCpu) {
    if (bytes > 0) std::memcpy(buffer.Data(), src.data, bytes);
    auto deferred = Napi::Promise::Deferred::New(env);
    deferred.Resolve(buffer);
    return deferred.Promise();
  }
#if defined(VLLM_TS_WITH_CUDA)
  NativeTensor* tensor = NativeTensor::Unwrap(info[0].As<Napi::Object>());
  auto* worker = new DownloadWorker(env, tensor->storage(), src.data, buffer);
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
