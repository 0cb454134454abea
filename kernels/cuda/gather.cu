#include <algorithm>
#include <type_traits>

#include "cuda/gather.cuh"
#include "cuda/launch.cuh"

namespace vllmts::cuda {
namespace {

// One block per row (grid-stride over rows), its threads over the row's words.
template <class Word>
__global__ void __launch_bounds__(256) gather_kernel(const Word* src, Word* dst, int64_t words, int64_t src_rows,
                                                     const int32_t* indices, int64_t n) {
  for (int64_t i = blockIdx.x; i < n; i += gridDim.x) {
    const int64_t r = indices[i];
    Word* to = dst + i * words;
    if (r < 0 || r >= src_rows) {
      for (int64_t w = threadIdx.x; w < words; w += blockDim.x) to[w] = Word{};
      continue;
    }
    const Word* from = src + r * words;
    for (int64_t w = threadIdx.x; w < words; w += blockDim.x) to[w] = from[w];
  }
}

// Rows run in parallel, so a repeated target is written by the last row naming it alone: a row
// first looks for a later entry with its index (the index lists are batch-sized, the scan cheap).
template <class Word>
__global__ void __launch_bounds__(256) scatter_kernel(const Word* src, Word* dst, int64_t words, int64_t dst_rows,
                                                      const int32_t* indices, int64_t n) {
  for (int64_t i = blockIdx.x; i < n; i += gridDim.x) {
    const int64_t r = indices[i];
    int later = 0;
    for (int64_t j = i + 1 + threadIdx.x; j < n; j += blockDim.x) later |= indices[j] == r;
    if (__syncthreads_or(later) != 0 || r < 0 || r >= dst_rows) continue;
    const Word* from = src + i * words;
    Word* to = dst + r * words;
    for (int64_t w = threadIdx.x; w < words; w += blockDim.x) to[w] = from[w];
  }
}

// Calls fn(Word{}) with the widest word that divides the row and both pointers' alignment.
template <class Fn>
Status with_word(const void* a, const void* b, int64_t row_bytes, Fn&& fn) {
  const uint64_t bits = reinterpret_cast<uintptr_t>(a) | reinterpret_cast<uintptr_t>(b) |
                        static_cast<uint64_t>(row_bytes);
  if (bits % 16 == 0) return fn(uint4{});
  if (bits % 8 == 0) return fn(uint2{});
  if (bits % 4 == 0) return fn(uint32_t{});
  if (bits % 2 == 0) return fn(uint16_t{});
  return fn(uint8_t{});
}

int threads_for(int64_t words) { return static_cast<int>(std::clamp<int64_t>((words + 31) / 32 * 32, 32, 256)); }

unsigned grid_for_rows(int64_t n) { return static_cast<unsigned>(std::clamp<int64_t>(n, 1, int64_t{1} << 20)); }

}  // namespace

Status gather_rows(const void* src, int64_t row_bytes, int64_t src_rows, const int32_t* indices, int64_t n, void* dst,
                   cudaStream_t stream) {
  if (row_bytes < 0 || n < 0 || src_rows < 0) return Status::kInvalidArgument;
  if (row_bytes == 0 || n == 0) return Status::kOk;
  return with_word(src, dst, row_bytes, [&](auto word) {
    using Word = decltype(word);
    const int64_t words = row_bytes / static_cast<int64_t>(sizeof(Word));
    gather_kernel<Word><<<grid_for_rows(n), threads_for(words), 0, stream>>>(
        static_cast<const Word*>(src), static_cast<Word*>(dst), words, src_rows, indices, n);
    return launch_status();
  });
}

Status scatter_rows(const void* src, int64_t row_bytes, const int32_t* indices, int64_t n, void* dst,
                    int64_t dst_rows, cudaStream_t stream) {
  if (row_bytes < 0 || n < 0 || dst_rows < 0) return Status::kInvalidArgument;
  if (row_bytes == 0 || n == 0) return Status::kOk;
  return with_word(src, dst, row_bytes, [&](auto word) {
    using Word = decltype(word);
    const int64_t words = row_bytes / static_cast<int64_t>(sizeof(Word));
    scatter_kernel<Word><<<grid_for_rows(n), threads_for(words), 0, stream>>>(
        static_cast<const Word*>(src), static_cast<Word*>(dst), words, dst_rows, indices, n);
    return launch_status();
  });
}

}  // namespace vllmts::cuda
