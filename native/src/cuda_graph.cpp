#include "cuda_graph.h"

#if defined(VLLM_TS_WITH_CUDA)

#include <stdexcept>
#include <string>

namespace vllmts::native::cuda_graph {
namespace {

std::string describe(cudaError_t error) {
  return std::string(cudaGetErrorName(error)) + " (" + cudaGetErrorString(error) + ")";
}

std::string device_name(int device) { return "cuda:" + std::to_string(device); }

}  // namespace

Graph::~Graph() {
  // The driver frees an executable graph that is still running once it completes.
  if (cudaSetDevice(device_) == cudaSuccess) cudaGraphExecDestroy(exec_);
  cudaGetLastError();
  device_memory::release_parked(device_, &parked_);
}

cudaError_t Graph::replay() {
  cuda_device::set_device(device_);
  const cudaError_t error = cudaGraphLaunch(exec_, cuda_device::stream(device_));
  if (error != cudaSuccess) cudaGetLastError();
  return error;
}

void begin(int device) {
  cuda_device::set_device(device);
  const cudaStream_t stream = cuda_device::stream(device);
  if (device_memory::capturing(device)) {
    throw std::runtime_error("beginCapture: " + device_name(device) +
                             " is already capturing a CUDA graph; end that capture first");
  }
  const cudaError_t error = cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal);
  if (error != cudaSuccess) {
    cudaGetLastError();
    throw std::runtime_error("beginCapture: cannot capture " + device_name(device) + ": " + describe(error));
  }
  device_memory::begin_capture(device);
}

std::unique_ptr<Graph> end(int device) {
  cuda_device::set_device(device);
  const cudaStream_t stream = cuda_device::stream(device);
  if (!device_memory::capturing(device)) {
    device_memory::end_capture(device);
    throw std::runtime_error("endCapture: " + device_name(device) + " is not capturing a CUDA graph");
  }
  cudaGraph_t graph = nullptr;
  cudaError_t error = cudaStreamEndCapture(stream, &graph);
  std::vector<device_memory::ParkedBlock> parked = device_memory::end_capture(device);
  if (error != cudaSuccess || graph == nullptr) {
    cudaGetLastError();
    if (graph != nullptr) cudaGraphDestroy(graph);
    device_memory::release_parked(device, &parked);
    throw std::runtime_error(
        "endCapture: the capture on " + device_name(device) + " was invalidated: " + describe(error) +
        ". Something done while capturing cannot be captured: a synchronisation, a host/device transfer, an "
        "allocation, or work queued on the stream from another thread");
  }
  size_t nodes = 0;
  cudaGraphGetNodes(graph, nullptr, &nodes);
  cudaGraphExec_t exec = nullptr;
  error = cudaGraphInstantiate(&exec, graph, 0);
  cudaGraphDestroy(graph);  // the executable graph is independent of its template
  if (error != cudaSuccess) {
    cudaGetLastError();
    device_memory::release_parked(device, &parked);
    throw std::runtime_error("endCapture: cannot instantiate the graph captured on " + device_name(device) + ": " +
                             describe(error));
  }
  return std::make_unique<Graph>(exec, device, nodes, std::move(parked));
}

void abort(int device) {
  try {
    cuda_device::set_device(device);
    if (device_memory::capturing(device)) {
      cudaGraph_t graph = nullptr;
      cudaStreamEndCapture(cuda_device::stream(device), &graph);
      if (graph != nullptr) cudaGraphDestroy(graph);
    }
  } catch (const std::exception&) {
    // The device failed; nothing is left to end.
  }
  // The failure that led here (e.g. a synchronisation refused during capture) must not resurface
  // as the launch error of the next op.
  cudaGetLastError();
  std::vector<device_memory::ParkedBlock> parked = device_memory::end_capture(device);
  device_memory::release_parked(device, &parked);
}

}  // namespace vllmts::native::cuda_graph

#endif
