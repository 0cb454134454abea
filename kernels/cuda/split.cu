#include <algorithm>

#include "cuda/launch.cuh"
#include "cuda/split.cuh"

namespace vllmts::cuda {
namespace {

// The parts in words, passed by value (a kernel argument, no device copy).
struct SplitArgs {
  void* dst[kMaxSplitParts];
  int64_t begin[kMaxSplitParts + 1];  // part p covers words [begin[p], begin[p + 1]) of a source row
  int num_parts;
};

// One block per row (grid-stride over rows), its threads over the row's words; a word's part is
// found by a short scan of the part boundaries.
template <class Word>
__global__ void __launch_bounds__(256) split_kernel(const Word* src, int64_t rows, int64_t row_words, SplitArgs a) {
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const Word* from = src + r * row_words;
    for (int p = 0; p < a.num_parts; ++p) {
      const int64_t begin = a.begin[p], width = a.begin[p + 1] - begin;
      Word* to = static_cast<Word*>(a.dst[p]) + r * width;
      for (int64_t w = threadIdx.x; w < width; w += blockDim.x) to[w] = from[begin + w];
    }
  }
}

template <class Word>
Status launch(const void* src, int64_t rows, int64_t row_bytes, const ColumnPart* parts, int num_parts,
              cudaStream_t stream) {
  SplitArgs a{};
  a.num_parts = num_parts;
  int64_t widest = 0;
  for (int p = 0; p < num_parts; ++p) {
    a.dst[p] = parts[p].dst;
    a.begin[p] = parts[p].offset / static_cast<int64_t>(sizeof(Word));
    a.begin[p + 1] = a.begin[p] + parts[p].bytes / static_cast<int64_t>(sizeof(Word));
    widest = std::max(widest, parts[p].bytes / static_cast<int64_t>(sizeof(Word)));
  }
  const int threads = static_cast<int>(std::clamp<int64_t>((widest + 31) / 32 * 32, 32, 256));
  const auto grid = static_cast<unsigned>(std::clamp<int64_t>(rows, 1, int64_t{1} << 20));
  split_kernel<Word><<<grid, threads, 0, stream>>>(static_cast<const Word*>(src), rows,
                                                    row_bytes / static_cast<int64_t>(sizeof(Word)), a);
  return launch_status();
}

}  // namespace

Status split_columns(const void* src, int64_t rows, int64_t row_bytes, const ColumnPart* parts, int num_parts,
                     cudaStream_t stream) {
  if (rows < 0 || row_bytes < 0 || num_parts < 0 || num_parts > kMaxSplitParts) return Status::kInvalidArgument;
  // Parts must tile the row in order (the kernel reads part p at begin[p]; the binding builds them so).
  uint64_t bits = reinterpret_cast<uintptr_t>(src) | static_cast<uint64_t>(row_bytes);
  int64_t next = 0;
  for (int p = 0; p < num_parts; ++p) {
    if (parts[p].offset != next || parts[p].bytes < 0) return Status::kInvalidArgument;
    next += parts[p].bytes;
    bits |= reinterpret_cast<uintptr_t>(parts[p].dst) | static_cast<uint64_t>(parts[p].offset) |
            static_cast<uint64_t>(parts[p].bytes);
  }
  if (next > row_bytes) return Status::kInvalidArgument;
  if (rows == 0 || row_bytes == 0 || num_parts == 0) return Status::kOk;
  if (bits % 16 == 0) return launch<uint4>(src, rows, row_bytes, parts, num_parts, stream);
  if (bits % 8 == 0) return launch<uint2>(src, rows, row_bytes, parts, num_parts, stream);
  if (bits % 4 == 0) return launch<uint32_t>(src, rows, row_bytes, parts, num_parts, stream);
  if (bits % 2 == 0) return launch<uint16_t>(src, rows, row_bytes, parts, num_parts, stream);
  return launch<uint8_t>(src, rows, row_bytes, parts, num_parts, stream);
}

}  // namespace vllmts::cuda
