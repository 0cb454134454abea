#include "host_staging.h"

#if defined(VLLM_TS_WITH_CUDA)

#include <algorithm>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

namespace vllmts::native::host_staging {
namespace {

// Uploads larger than a chunk are split, so copying chunk i+1 into pinned memory overlaps the DMA
// of chunk i; the ring holds several chunks in flight before the host has to wait.
constexpr size_t kRingBytes = size_t{32} << 20;
constexpr size_t kChunkBytes = size_t{4} << 20;
constexpr size_t kSlotAlignment = 256;

cudaEvent_t new_event() {
  cudaEvent_t event = nullptr;
  if (cudaEventCreateWithFlags(&event, cudaEventDisableTiming) != cudaSuccess) {
    cudaGetLastError();
    return nullptr;
  }
  return event;
}

struct Span {
  size_t begin;
  size_t end;
  cudaEvent_t copied;  // recorded on the device's stream right after the copy out of [begin, end)
};

struct Ring {
  char* base = nullptr;
  size_t head = 0;             // where the next slot starts, unless it has to wrap to 0
  std::deque<Span> in_flight;  // oldest first; together they cover [front.begin, head) in ring order
  std::vector<cudaEvent_t> spare_events;
};

std::mutex g_ring_mutex;
std::vector<std::unique_ptr<Ring>> g_rings;

Ring* ring_for(int device, cudaError_t* error) {
  if (g_rings.size() <= static_cast<size_t>(device)) g_rings.resize(device + 1);
  if (!g_rings[device]) {
    auto ring = std::make_unique<Ring>();
    void* base = nullptr;
    *error = cudaHostAlloc(&base, kRingBytes, cudaHostAllocPortable);
    if (*error != cudaSuccess) return nullptr;
    ring->base = static_cast<char*>(base);
    g_rings[device] = std::move(ring);
  }
  return g_rings[device].get();
}

// Retires the oldest span; `wait` blocks until its copy is done, otherwise only if already done.
bool retire_oldest(Ring& ring, bool wait, cudaError_t* error) {
  const Span& oldest = ring.in_flight.front();
  const cudaError_t status = wait ? cudaEventSynchronize(oldest.copied) : cudaEventQuery(oldest.copied);
  if (status == cudaErrorNotReady) {
    if (cudaPeekAtLastError() == cudaErrorNotReady) cudaGetLastError();
    return false;
  }
  if (status != cudaSuccess) *error = status;
  ring.spare_events.push_back(oldest.copied);
  ring.in_flight.pop_front();
  return true;
}

// True if [start, start + length) is clear of every copy still in flight.
bool is_free(const Ring& ring, size_t start, size_t length) {
  if (ring.in_flight.empty()) return true;
  const size_t end = start + length;
  const size_t oldest = ring.in_flight.front().begin;
  // Live slots run from `oldest` to `head`, wrapping past the end of the ring when oldest >= head.
  if (oldest < ring.head) return start >= ring.head || end <= oldest;
  return start >= ring.head && end <= oldest;
}

// Finds a slot of `length` bytes, waiting for the oldest copies when the ring is full.
size_t reserve(Ring& ring, size_t length, cudaError_t* error) {
  for (;;) {
    while (!ring.in_flight.empty() && retire_oldest(ring, false, error)) {
    }
    if (ring.in_flight.empty()) ring.head = 0;  // nothing in flight: start over at the front
    const size_t start = ring.head + length <= kRingBytes ? ring.head : 0;
    if (is_free(ring, start, length)) return start;
    retire_oldest(ring, true, error);
  }
}

}  // namespace

cudaError_t upload(int device, void* dst, const void* src, size_t bytes) {
  if (bytes == 0) return cudaSuccess;
  std::lock_guard<std::mutex> lock(g_ring_mutex);
  cudaError_t error = cudaSetDevice(device);
  if (error != cudaSuccess) return error;
  cudaStream_t stream = nullptr;
  try {
    stream = cuda_device::stream(device);
  } catch (const std::exception&) {
    return cudaErrorInvalidDevice;
  }
  Ring* ring = ring_for(device, &error);
  if (ring == nullptr) return error;
  for (size_t done = 0; done < bytes;) {
    const size_t length = std::min(kChunkBytes, bytes - done);
    const size_t start = reserve(*ring, length, &error);
    if (error != cudaSuccess) return error;
    std::memcpy(ring->base + start, static_cast<const char*>(src) + done, length);
    error = cudaMemcpyAsync(static_cast<char*>(dst) + done, ring->base + start, length, cudaMemcpyHostToDevice,
                            stream);
    if (error != cudaSuccess) return error;
    cudaEvent_t copied = nullptr;
    if (!ring->spare_events.empty()) {
      copied = ring->spare_events.back();
      ring->spare_events.pop_back();
    } else {
      copied = new_event();
      if (copied == nullptr) return cudaErrorMemoryAllocation;
    }
    error = cudaEventRecord(copied, stream);
    if (error != cudaSuccess) {
      ring->spare_events.push_back(copied);
      return error;
    }
    ring->in_flight.push_back(Span{start, start + length, copied});
    ring->head = std::min(kRingBytes, (start + length + kSlotAlignment - 1) / kSlotAlignment * kSlotAlignment);
    done += length;
  }
  return cudaSuccess;
}

}  // namespace vllmts::native::host_staging

#endif
