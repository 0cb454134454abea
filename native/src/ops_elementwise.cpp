// Bindings for the elementwise kernels: fill, cast (conversion), copy (between devices), add.
#include "cpu/elementwise.h"
#include "errors.h"
#include "registry.h"
#include "tensor_arg.h"

#if defined(VLLM_TS_WITH_CUDA)
#include "cuda/elementwise.cuh"
#endif

namespace vllmts::native {
namespace {

// fill(out, value)
void fill(const Napi::CallbackInfo& info) {
  const TensorArg out = tensor_arg(info, 0, "fill", "out");
  const double value = number_arg(info, 1, "fill", "value");
  Status status;
#if defined(VLLM_TS_WITH_CUDA)
  if (out.device.kind == Device::kCuda) {
    status = cuda::fill(out.data, out.dtype, out.numel(), value, stream_for(out.device));
  } else
#endif
    status = cpu::fill(out.data, out.dtype, out.numel(), value);
  check_status(info.Env(), "fill", status);
}

// fillUniform(out, low, high, seed): deterministic uniform values (dummy weights, tests). The seed
// is a non-negative integer below 2^53 (a JS number).
void fill_uniform(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const TensorArg out = tensor_arg(info, 0, "fillUniform", "out");
  const double low = number_arg(info, 1, "fillUniform", "low");
  const double high = number_arg(info, 2, "fillUniform", "high");
  const int64_t seed = int_arg(info, 3, "fillUniform", "seed");
  if (seed < 0) fail(env, "fillUniform", "argument 'seed' must be non-negative");
  expect_dtype(env, out, {DType::kFloat32, DType::kFloat16, DType::kBFloat16, DType::kFloat8E4M3});
  Status status;
#if defined(VLLM_TS_WITH_CUDA)
  if (out.device.kind == Device::kCuda) {
    status = cuda::fill_uniform(out.data, out.dtype, out.numel(), static_cast<float>(low), static_cast<float>(high),
                                static_cast<uint64_t>(seed), stream_for(out.device));
  } else
#endif
    status = cpu::fill_uniform(out.data, out.dtype, out.numel(), static_cast<float>(low), static_cast<float>(high),
                               static_cast<uint64_t>(seed));
  check_status(env, "fillUniform", status);
}

// cast(out, x): out = x converted to out's dtype; same number of elements.
void cast(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const TensorArg out = tensor_arg(info, 0, "cast", "out");
  const TensorArg x = tensor_arg(info, 1, "cast", "x");
  expect_same_device(env, out, x);
  expect_numel(env, out, x.numel());
  Status status;
#if defined(VLLM_TS_WITH_CUDA)
  if (out.device.kind == Device::kCuda) {
    status = cuda::cast(x.data, x.dtype, out.data, out.dtype, x.numel(), stream_for(out.device));
  } else
#endif
    status = cpu::cast(x.data, x.dtype, out.data, out.dtype, x.numel());
  check_status(env, "cast", status);
}

// copy(dst, src): same dtype and element count, between any two devices. A copy to the host waits
// for it (an explicit transfer); other copies are queued on the device's stream.
void copy(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const TensorArg dst = tensor_arg(info, 0, "copy", "dst");
  const TensorArg src = tensor_arg(info, 1, "copy", "src");
  expect_same_dtype(env, dst, src);
  expect_numel(env, dst, src.numel());
  const size_t bytes = static_cast<size_t>(src.numel() * dtype_size(src.dtype));
  if (dst.device.kind == Device::kCpu && src.device.kind == Device::kCpu) {
    check_status(env, "copy", cpu::cast(src.data, src.dtype, dst.data, dst.dtype, src.numel()));
    return;
  }
#if defined(VLLM_TS_WITH_CUDA)
  const bool to_host = dst.device.kind == Device::kCpu;
  const Device& device = to_host ? src.device : dst.device;
  const cudaStream_t stream = stream_for(device);
  cudaError_t error = cudaSuccess;
  if (src.device.kind == Device::kCuda && dst.device.kind == Device::kCuda && src.device != dst.device) {
    error = cudaMemcpyPeerAsync(dst.data, dst.device.index, src.data, src.device.index, bytes, stream);
  } else {
    error = cudaMemcpyAsync(dst.data, src.data, bytes, cudaMemcpyDefault, stream);
  }
  if (error == cudaSuccess && (to_host || src.device.kind == Device::kCpu)) error = cudaStreamSynchronize(stream);
  if (error != cudaSuccess) throw_error(env, ErrorKind::kDevice, std::string("copy: ") + cudaGetErrorString(error));
#else
  (void)bytes;
  fail(env, "copy", "CUDA tensors need an addon built with CUDA");
#endif
}

// add(out, a, b): out = a + b, with b either a's shape or its last dimension (a row broadcast).
void add(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const TensorArg out = tensor_arg(info, 0, "add", "out");
  const TensorArg a = tensor_arg(info, 1, "add", "a");
  const TensorArg b = tensor_arg(info, 2, "add", "b");
  expect_same_device(env, out, a);
  expect_same_device(env, out, b);
  expect_same_dtype(env, out, a);
  expect_same_dtype(env, out, b);
  expect_same_shape(env, out, a);
  const bool row_broadcast = b.shape.ndim == 1 && a.shape.ndim >= 1 && b.shape[0] == a.shape[-1];
  if (!row_broadcast) expect_same_shape(env, a, b);
  Status status;
#if defined(VLLM_TS_WITH_CUDA)
  if (out.device.kind == Device::kCuda) {
    status = cuda::add(a.data, b.data, out.data, out.dtype, a.numel(), b.numel(), stream_for(out.device));
  } else
#endif
    status = cpu::add(a.data, b.data, out.data, out.dtype, a.numel(), b.numel());
  check_status(env, "add", status, std::string("dtype ") + dtype_name(out.dtype));
}

void register_elementwise_ops(Napi::Env env, Napi::Object ops) {
  ops.Set("fill", Napi::Function::New<fill>(env, "fill"));
  ops.Set("fillUniform", Napi::Function::New<fill_uniform>(env, "fillUniform"));
  ops.Set("cast", Napi::Function::New<cast>(env, "cast"));
  ops.Set("copy", Napi::Function::New<copy>(env, "copy"));
  ops.Set("add", Napi::Function::New<add>(env, "add"));
}

}  // namespace

VLLM_TS_OP_GROUP(elementwise, register_elementwise_ops);

}  // namespace vllmts::native
