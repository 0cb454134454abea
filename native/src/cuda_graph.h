// CUDA graph capture and replay on a device's stream.
//
// Capture uses cudaStreamCaptureModeThreadLocal: every op the JS thread enqueues on the device's
// stream between begin() and end() becomes a node (capture follows the stream, not the thread),
// while worker threads (downloads, file reads) may keep calling the CUDA API meanwhile; only
// the capturing thread's calls that cannot be captured (a synchronisation, an allocation, a copy
// from pageable memory) fail, and they invalidate the capture.
//
// Rules for what is captured (the model runner follows them):
//  - allocate every buffer the graph touches before capture (an arena): allocations fail during a
//    capture, and a graph replays the addresses it was captured with, so those buffers must outlive
//    it; memory disposed during a capture is kept until the graph is destroyed;
//  - upload inputs into those buffers before replay (uploads and downloads fail during a capture);
//  - run the captured function once eagerly first, so lazily created state (cuBLASLt handles and
//    workspace, per-shape GEMM plans) exists before capture.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "cuda_device.h"
#include "device_memory.h"

namespace vllmts::native::cuda_graph {

#if defined(VLLM_TS_WITH_CUDA)

class Graph {
 public:
  Graph(cudaGraphExec_t exec, int device, size_t nodes, std::vector<device_memory::ParkedBlock> parked)
      : exec_(exec), device_(device), nodes_(nodes), parked_(std::move(parked)) {}
  ~Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  /// Launches the graph on the device's stream (asynchronous, like any op).
  cudaError_t replay();

  int device() const { return device_; }
  size_t nodes() const { return nodes_; }

 private:
  cudaGraphExec_t exec_;
  int device_;
  size_t nodes_;
  std::vector<device_memory::ParkedBlock> parked_;  // freed during capture; the graph may use it
};

/// Starts capturing `device`'s stream; throws std::runtime_error saying why it cannot.
void begin(int device);

/// Ends the capture and instantiates the graph; throws std::runtime_error if the capture was
/// invalidated or cannot be instantiated (the stream is out of capture mode either way).
std::unique_ptr<Graph> end(int device);

/// Ends a capture that failed part-way and discards it; safe to call when none is active.
void abort(int device);

#endif

}  // namespace vllmts::native::cuda_graph
