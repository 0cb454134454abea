// What the addon can run on: always the CPU, and CUDA devices when built with CUDA and a driver
// and GPU are present.
#include <stdexcept>

#include "cpu/parallel.h"
#include "cuda_device.h"
#include "errors.h"
#include "registry.h"
#include "tensor_arg.h"

namespace vllmts::native {
namespace {

Napi::Array compiled_isa(Napi::Env env) {
  Napi::Array isa = Napi::Array::New(env);
  uint32_t n = 0;
#if defined(__AVX2__)
  isa.Set(n++, "avx2");
#endif
#if defined(__FMA__)
  isa.Set(n++, "fma");
#endif
#if defined(__AVX512F__)
  isa.Set(n++, "avx512f");
#endif
#if defined(__AVX512BF16__)
  isa.Set(n++, "avx512bf16");
#endif
#if defined(__F16C__)
  isa.Set(n++, "f16c");
#endif
  return isa;
}

Napi::Value backends(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);

  Napi::Object cpu = Napi::Object::New(env);
  cpu.Set("threads", cpu::num_threads());
  cpu.Set("isa", compiled_isa(env));
  result.Set("cpu", cpu);

  Napi::Object cuda = Napi::Object::New(env);
  cuda.Set("compiled", cuda_device::compiled_with_cuda());
  Napi::Array devices = Napi::Array::New(env);
  const int count = cuda_device::device_count();
  for (int i = 0; i < count; ++i) {
    try {
      const cuda_device::Properties props = cuda_device::properties(i);
      Napi::Object device = Napi::Object::New(env);
      device.Set("index", i);
      device.Set("name", props.name);
      device.Set("totalMemory", static_cast<double>(props.total_memory));
      device.Set("freeMemory", static_cast<double>(props.free_memory));
      device.Set("computeCapability", std::to_string(props.major) + "." + std::to_string(props.minor));
      device.Set("multiprocessors", props.multiprocessors);
      devices.Set(devices.Length(), device);
    } catch (const std::exception& error) {
      throw_error(env, ErrorKind::kDevice, error.what());
    }
  }
  cuda.Set("devices", devices);
  if (count == 0) cuda.Set("reason", cuda_device::unavailable_reason());
  result.Set("cuda", cuda);
  return result;
}

// synchronize(deviceKind, deviceIndex): waits for the device's queued work (a no-op on the CPU).
void synchronize(const Napi::CallbackInfo& info) {
  const int64_t kind = int_arg(info, 0, "synchronize", "deviceKind");
  const int64_t index = int_arg(info, 1, "synchronize", "deviceIndex");
  if (kind != Device::kCuda) return;
  try {
    cuda_device::synchronize(static_cast<int>(index));
  } catch (const std::exception& error) {
    throw_error(info.Env(), ErrorKind::kDevice, error.what());
  }
}

}  // namespace

void register_backends(Napi::Env env, Napi::Object exports) {
  exports.Set("backends", Napi::Function::New<backends>(env, "backends"));
  exports.Set("synchronize", Napi::Function::New<synchronize>(env, "synchronize"));
}

}  // namespace vllmts::native
