#include "host_download.h"

#if defined(VLLM_TS_WITH_CUDA)

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "device_memory.h"

namespace vllmts::native::host_download {
namespace {

// Up to this size a download lands directly in one pinned block; beyond it, through a snapshot.
constexpr size_t kStagedMaxBytes = size_t{16} << 20;
// Chunks of a snapshot download: two pinned blocks of this size alternate.
constexpr size_t kChunkBytes = size_t{4} << 20;

std::mutex g_streams_mutex;
std::vector<cudaStream_t> g_copy_streams;

cudaError_t copy_stream_for(int device, cudaStream_t* stream) {
  std::lock_guard<std::mutex> lock(g_streams_mutex);
  if (g_copy_streams.size() <= static_cast<size_t>(device)) g_copy_streams.resize(device + 1, nullptr);
  if (g_copy_streams[device] == nullptr) {
    const cudaError_t error = cudaStreamCreateWithFlags(&g_copy_streams[device], cudaStreamNonBlocking);
    if (error != cudaSuccess) return error;
  }
  *stream = g_copy_streams[device];
  return cudaSuccess;
}

// Reads the snapshot on the copy stream; chunk i is copied into one block while chunk i-1 is moved
// out of the other.
cudaError_t read_snapshot(const Pending& pending, char* dst) {
  cudaStream_t stream = nullptr;
  cudaError_t error = copy_stream_for(pending.device, &stream);
  if (error == cudaSuccess) error = cudaStreamWaitEvent(stream, pending.ready, 0);
  pinned_pool::Block blocks[2];
  if (error == cudaSuccess) error = pinned_pool::acquire(pending.device, kChunkBytes, &blocks[0]);
  if (error == cudaSuccess) error = pinned_pool::acquire(pending.device, kChunkBytes, &blocks[1]);
  const char* src = static_cast<const char*>(pending.snapshot);
  size_t issued = 0;
  size_t drained = 0;
  size_t queued[2] = {0, 0};
  for (int slot = 0; error == cudaSuccess && drained < pending.bytes; slot ^= 1) {
    if (issued < pending.bytes) {
      const size_t length = std::min(kChunkBytes, pending.bytes - issued);
      error = cudaMemcpyAsync(blocks[slot].data, src + issued, length, cudaMemcpyDeviceToHost, stream);
      if (error == cudaSuccess) error = cudaEventRecord(blocks[slot].event, stream);
      if (error != cudaSuccess) break;
      queued[slot] = length;
      issued += length;
    }
    const int other = slot ^ 1;
    if (queued[other] > 0) {
      error = cudaEventSynchronize(blocks[other].event);
      if (error != cudaSuccess) break;
      std::memcpy(dst + drained, blocks[other].data, queued[other]);
      drained += queued[other];
      queued[other] = 0;
    }
  }
  if (error != cudaSuccess && stream != nullptr) {
    cudaGetLastError();
    cudaStreamSynchronize(stream);  // nothing may still write the blocks when they are returned
  }
  pinned_pool::release(&blocks[0]);
  pinned_pool::release(&blocks[1]);
  return error;
}

}  // namespace

cudaError_t begin(int device, const void* src, size_t bytes, Pending* pending) {
  pending->device = device;
  pending->bytes = bytes;
  cudaError_t error = cudaSetDevice(device);
  if (error != cudaSuccess) return error;
  const cudaStream_t stream = cuda_device::stream(device);
  if (bytes <= kStagedMaxBytes) {
    error = pinned_pool::acquire(device, bytes, &pending->staged);
    if (error == cudaSuccess) error = cudaMemcpyAsync(pending->staged.data, src, bytes, cudaMemcpyDeviceToHost, stream);
    if (error == cudaSuccess) error = cudaEventRecord(pending->staged.event, stream);
  } else {
    std::string message;
    error = device_memory::allocate(device, bytes, &pending->snapshot, &message);
    if (error == cudaSuccess) error = cudaMemcpyAsync(pending->snapshot, src, bytes, cudaMemcpyDeviceToDevice, stream);
    if (error == cudaSuccess) error = cudaEventCreateWithFlags(&pending->ready, cudaEventDisableTiming);
    if (error == cudaSuccess) error = cudaEventRecord(pending->ready, stream);
  }
  if (error != cudaSuccess) {
    cudaGetLastError();
    end(pending);
  }
  return error;
}

cudaError_t finish(Pending* pending, void* dst) {
  const cudaError_t error = cudaSetDevice(pending->device);
  if (error != cudaSuccess) return error;
  if (pending->snapshot != nullptr) return read_snapshot(*pending, static_cast<char*>(dst));
  const cudaError_t copied = cudaEventSynchronize(pending->staged.event);
  if (copied != cudaSuccess) return copied;
  std::memcpy(dst, pending->staged.data, pending->bytes);
  return cudaSuccess;
}

void end(Pending* pending) {
  // A block goes back only once its copy is done (finish waited, or the copy was never queued);
  // after a failed wait, wait for the stream so the block is not handed out while being written.
  if (pending->staged.data != nullptr && cudaEventQuery(pending->staged.event) != cudaSuccess) {
    cudaGetLastError();
    try {
      cuda_device::synchronize(pending->device);
    } catch (const std::exception&) {
      // The device failed; nothing is still writing.
    }
  }
  pinned_pool::release(&pending->staged);
  if (pending->snapshot != nullptr) {
    // Stream-ordered on the compute stream; the copy stream's reads finished before end() runs.
    device_memory::release(pending->device, pending->snapshot, pending->bytes);
    pending->snapshot = nullptr;
  }
  if (pending->ready != nullptr) cudaEventDestroy(pending->ready);
  pending->ready = nullptr;
}

cudaError_t download_now(int device, void* dst, const void* src, size_t bytes) {
  cudaError_t error = cudaSetDevice(device);
  const cudaStream_t stream = cuda_device::stream(device);
  if (error == cudaSuccess) error = cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream);
  if (error == cudaSuccess) error = cudaStreamSynchronize(stream);
  if (error != cudaSuccess) cudaGetLastError();
  return error;
}

}  // namespace vllmts::native::host_download

#endif
