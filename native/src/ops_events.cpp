// Bindings for CUDA events, the clock of GPU benchmarks:
//   createEvent(deviceIndex) → event   (timing enabled; freed by destroyEvent or garbage collection)
//   recordEvent(event)                 mark the current end of the device's stream
//   eventElapsedMs(start, end) → ms    waits for `end`, then the GPU time between the two marks
//   destroyEvent(event)
#include "cuda_device.h"
#include "errors.h"
#include "registry.h"
#include "tensor_arg.h"

namespace vllmts::native {
namespace {

#if defined(VLLM_TS_WITH_CUDA)

struct EventBox {
  cudaEvent_t event = nullptr;
  int device = 0;
  bool recorded = false;
  ~EventBox() {
    if (event != nullptr) cudaEventDestroy(event);
  }
};

constexpr napi_type_tag kEventTag = {0x766c6c6d2d74732dULL, 0x6375646165766e74ULL};

EventBox* event_arg(const Napi::CallbackInfo& info, size_t index, const char* op, const char* name) {
  const Napi::Value value = info[index];
  if (!value.IsExternal() || !value.As<Napi::External<EventBox>>().CheckTypeTag(&kEventTag)) {
    fail(info.Env(), op, std::string("argument '") + name + "' is not a CUDA event");
  }
  EventBox* box = value.As<Napi::External<EventBox>>().Data();
  if (box->event == nullptr) {
    throw_error(info.Env(), ErrorKind::kDisposed, std::string(op) + ": event '" + name + "' has been destroyed");
  }
  return box;
}

[[noreturn]] void cuda_failure(const Napi::CallbackInfo& info, const char* op, cudaError_t error) {
  cudaGetLastError();
  throw_error(info.Env(), ErrorKind::kDevice,
              std::string(op) + ": " + cudaGetErrorName(error) + " (" + cudaGetErrorString(error) + ")");
}

Napi::Value create_event(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const int64_t index = int_arg(info, 0, "createEvent", "deviceIndex");
  if (index < 0 || index >= cuda_device::device_count()) {
    throw_error(env, ErrorKind::kDevice, "createEvent: no CUDA device cuda:" + std::to_string(index));
  }
  auto* box = new EventBox();
  box->device = static_cast<int>(index);
  cudaError_t error = cudaSetDevice(box->device);
  if (error == cudaSuccess) error = cudaEventCreate(&box->event);
  if (error != cudaSuccess) {
    box->event = nullptr;
    delete box;
    cuda_failure(info, "createEvent", error);
  }
  auto handle = Napi::External<EventBox>::New(env, box, [](Napi::Env, EventBox* data) { delete data; });
  handle.TypeTag(&kEventTag);
  return handle;
}

void record_event(const Napi::CallbackInfo& info) {
  EventBox* box = event_arg(info, 0, "recordEvent", "event");
  const cudaStream_t stream = stream_for(Device{Device::kCuda, box->device});
  const cudaError_t error = cudaEventRecord(box->event, stream);
  if (error != cudaSuccess) cuda_failure(info, "recordEvent", error);
  box->recorded = true;
}

Napi::Value event_elapsed_ms(const Napi::CallbackInfo& info) {
  EventBox* start = event_arg(info, 0, "eventElapsedMs", "start");
  EventBox* end = event_arg(info, 1, "eventElapsedMs", "end");
  if (!start->recorded || !end->recorded) fail(info.Env(), "eventElapsedMs", "both events must be recorded first");
  if (start->device != end->device) fail(info.Env(), "eventElapsedMs", "the events belong to different devices");
  cudaError_t error = cudaEventSynchronize(end->event);
  float ms = 0.0f;
  if (error == cudaSuccess) error = cudaEventElapsedTime(&ms, start->event, end->event);
  if (error != cudaSuccess) cuda_failure(info, "eventElapsedMs", error);
  return Napi::Number::New(info.Env(), ms);
}

void destroy_event(const Napi::CallbackInfo& info) {
  const Napi::Value value = info[0];
  if (!value.IsExternal() || !value.As<Napi::External<EventBox>>().CheckTypeTag(&kEventTag)) {
    fail(info.Env(), "destroyEvent", "argument 'event' is not a CUDA event");
  }
  EventBox* box = value.As<Napi::External<EventBox>>().Data();
  if (box->event != nullptr) cudaEventDestroy(box->event);
  box->event = nullptr;
}

#else

[[noreturn]] void no_cuda(const Napi::CallbackInfo& info) {
  throw_error(info.Env(), ErrorKind::kDevice, "CUDA events need the native addon built with CUDA");
}
Napi::Value create_event(const Napi::CallbackInfo& info) { no_cuda(info); }
void record_event(const Napi::CallbackInfo& info) { no_cuda(info); }
Napi::Value event_elapsed_ms(const Napi::CallbackInfo& info) { no_cuda(info); }
void destroy_event(const Napi::CallbackInfo&) {}

#endif

void register_event_ops(Napi::Env env, Napi::Object ops) {
  ops.Set("createEvent", Napi::Function::New<create_event>(env, "createEvent"));
  ops.Set("recordEvent", Napi::Function::New<record_event>(env, "recordEvent"));
  ops.Set("eventElapsedMs", Napi::Function::New<event_elapsed_ms>(env, "eventElapsedMs"));
  ops.Set("destroyEvent", Napi::Function::New<destroy_event>(env, "destroyEvent"));
}

}  // namespace

VLLM_TS_OP_GROUP(events, register_event_ops);

}  // namespace vllmts::native
