// A small persistent thread pool for the CPU kernels. parallel_for splits [0, n) into contiguous
// chunks, runs them on the pool's workers and the calling thread, and returns when all are done.
#pragma once

#include <cstdint>
#include <functional>

namespace vllmts::cpu {

/// Number of threads kernels use (VLLM_TS_NUM_THREADS, else the hardware's concurrency).
int num_threads();

/// Runs fn(begin, end) over [0, n) in chunks of at least `grain` items. Work smaller than one
/// grain stays on the calling thread. Nested calls from a worker run serially.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace vllmts::cpu
