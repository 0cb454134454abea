#include "pinned_pool.h"

#if defined(VLLM_TS_WITH_CUDA)

#include <mutex>
#include <vector>

namespace vllmts::native::pinned_pool {
namespace {

constexpr size_t kMinBlock = size_t{64} << 10;
// Blocks beyond this many cached bytes per device are freed on return, so a burst of concurrent
// downloads does not keep its pinned memory for the life of the process.
constexpr size_t kMaxCachedPerDevice = size_t{256} << 20;

struct Pool {
  std::vector<Block> free;
  size_t cached = 0;
};

std::mutex g_mutex;
std::vector<Pool> g_pools;

size_t size_class(size_t bytes) {
  size_t size = kMinBlock;
  while (size < bytes) size <<= 1;
  return size;
}

}  // namespace

cudaError_t acquire(int device, size_t bytes, Block* block) {
  const size_t capacity = size_class(bytes);
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (g_pools.size() <= static_cast<size_t>(device)) g_pools.resize(device + 1);
    Pool& pool = g_pools[device];
    for (auto it = pool.free.begin(); it != pool.free.end(); ++it) {
      if (it->capacity == capacity) {
        *block = *it;
        pool.free.erase(it);
        pool.cached -= capacity;
        return cudaSuccess;
      }
    }
  }
  cudaError_t error = cudaSetDevice(device);
  void* data = nullptr;
  if (error == cudaSuccess) error = cudaHostAlloc(&data, capacity, cudaHostAllocPortable);
  cudaEvent_t event = nullptr;
  if (error == cudaSuccess) error = cudaEventCreateWithFlags(&event, cudaEventDisableTiming);
  if (error != cudaSuccess) {
    cudaGetLastError();
    if (data != nullptr) cudaFreeHost(data);
    return error;
  }
  *block = Block{device, static_cast<char*>(data), capacity, event};
  return cudaSuccess;
}

void release(Block* block) {
  if (block->data == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    Pool& pool = g_pools[block->device];
    if (pool.cached + block->capacity <= kMaxCachedPerDevice) {
      pool.free.push_back(*block);
      pool.cached += block->capacity;
      *block = Block{};
      return;
    }
  }
  cudaEventDestroy(block->event);
  cudaFreeHost(block->data);
  cudaGetLastError();
  *block = Block{};
}

}  // namespace vllmts::native::pinned_pool

#endif
