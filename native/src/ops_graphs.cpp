// Bindings for CUDA graphs (cuda_graph.h says what may be captured):
//   beginCapture(deviceIndex)       start capturing the work queued on the device's stream
//   endCapture(deviceIndex) → graph  instantiate what was captured
//   abortCapture(deviceIndex)       discard a capture that failed part-way (no-op when none)
//   isCapturing(deviceIndex) → boolean
//   replayGraph(graph)              launch it on the device's stream (asynchronous)
//   graphInfo(graph) → { deviceIndex, nodes, destroyed }
//   destroyGraph(graph)             free it now (idempotent; garbage collection frees it otherwise)
#include <memory>

#include "cuda_device.h"
#include "cuda_graph.h"
#include "errors.h"
#include "registry.h"
#include "tensor_arg.h"

namespace vllmts::native {
namespace {

#if defined(VLLM_TS_WITH_CUDA)

struct GraphBox {
  std::unique_ptr<cuda_graph::Graph> graph;
  int device = 0;
  size_t nodes = 0;
};

constexpr napi_type_tag kGraphTag = {0x766c6c6d2d74732dULL, 0x6375646167726170ULL};

int device_arg(const Napi::CallbackInfo& info, const char* op) {
  const int64_t index = int_arg(info, 0, op, "deviceIndex");
  if (index < 0 || index >= cuda_device::device_count()) {
    throw_error(info.Env(), ErrorKind::kDevice,
                std::string(op) + ": no CUDA device cuda:" + std::to_string(index) +
                    (cuda_device::device_count() == 0 ? ": " + cuda_device::unavailable_reason() : ""));
  }
  return static_cast<int>(index);
}

GraphBox* graph_arg(const Napi::CallbackInfo& info, const char* op) {
  const Napi::Value value = info[0];
  if (!value.IsExternal() || !value.As<Napi::External<GraphBox>>().CheckTypeTag(&kGraphTag)) {
    fail(info.Env(), op, "argument 'graph' is not a CUDA graph handle");
  }
  return value.As<Napi::External<GraphBox>>().Data();
}

void begin_capture(const Napi::CallbackInfo& info) {
  const int device = device_arg(info, "beginCapture");
  try {
    cuda_graph::begin(device);
  } catch (const std::exception& error) {
    throw_error(info.Env(), ErrorKind::kDevice, error.what());
  }
}

Napi::Value end_capture(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const int device = device_arg(info, "endCapture");
  std::unique_ptr<cuda_graph::Graph> graph;
  try {
    graph = cuda_graph::end(device);
  } catch (const std::exception& error) {
    throw_error(env, ErrorKind::kDevice, error.what());
  }
  auto* box = new GraphBox{std::move(graph), device, 0};
  box->nodes = box->graph->nodes();
  auto handle = Napi::External<GraphBox>::New(env, box, [](Napi::Env, GraphBox* data) { delete data; });
  handle.TypeTag(&kGraphTag);
  return handle;
}

void abort_capture(const Napi::CallbackInfo& info) { cuda_graph::abort(device_arg(info, "abortCapture")); }

Napi::Value is_capturing(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), device_memory::capturing(device_arg(info, "isCapturing")));
}

void replay_graph(const Napi::CallbackInfo& info) {
  GraphBox* box = graph_arg(info, "replayGraph");
  if (!box->graph) throw_error(info.Env(), ErrorKind::kDisposed, "replayGraph: the graph has been destroyed");
  if (device_memory::capturing(box->device)) {
    throw_error(info.Env(), ErrorKind::kDevice,
                "replayGraph: cuda:" + std::to_string(box->device) + " is capturing another CUDA graph");
  }
  const cudaError_t error = box->graph->replay();
  if (error != cudaSuccess) {
    throw_error(info.Env(), ErrorKind::kDevice, std::string("replayGraph: ") + cudaGetErrorString(error));
  }
}

Napi::Value graph_info(const Napi::CallbackInfo& info) {
  const GraphBox* box = graph_arg(info, "graphInfo");
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("deviceIndex", box->device);
  result.Set("nodes", static_cast<double>(box->nodes));
  result.Set("destroyed", !box->graph);
  return result;
}

void destroy_graph(const Napi::CallbackInfo& info) { graph_arg(info, "destroyGraph")->graph.reset(); }

#else

[[noreturn]] void no_cuda(const Napi::CallbackInfo& info) {
  throw_error(info.Env(), ErrorKind::kDevice, "CUDA graphs need the native addon built with CUDA");
}
void begin_capture(const Napi::CallbackInfo& info) { no_cuda(info); }
Napi::Value end_capture(const Napi::CallbackInfo& info) { no_cuda(info); }
void abort_capture(const Napi::CallbackInfo&) {}
Napi::Value is_capturing(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), false); }
void replay_graph(const Napi::CallbackInfo& info) { no_cuda(info); }
Napi::Value graph_info(const Napi::CallbackInfo& info) { no_cuda(info); }
void destroy_graph(const Napi::CallbackInfo&) {}

#endif

void register_graph_ops(Napi::Env env, Napi::Object ops) {
  ops.Set("beginCapture", Napi::Function::New<begin_capture>(env, "beginCapture"));
  ops.Set("endCapture", Napi::Function::New<end_capture>(env, "endCapture"));
  ops.Set("abortCapture", Napi::Function::New<abort_capture>(env, "abortCapture"));
  ops.Set("isCapturing", Napi::Function::New<is_capturing>(env, "isCapturing"));
  ops.Set("replayGraph", Napi::Function::New<replay_graph>(env, "replayGraph"));
  ops.Set("graphInfo", Napi::Function::New<graph_info>(env, "graphInfo"));
  ops.Set("destroyGraph", Napi::Function::New<destroy_graph>(env, "destroyGraph"));
}

}  // namespace

VLLM_TS_OP_GROUP(graphs, register_graph_ops);

}  // namespace vllmts::native
