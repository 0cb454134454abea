#include "cpu/gather.h"

#include <algorithm>
#include <cstring>

#include "cpu/parallel.h"

namespace vllmts::cpu {
namespace {

constexpr int64_t kGrainBytes = int64_t{1} << 16;

}  // namespace

int64_t first_out_of_range(const int32_t* indices, int64_t n, int64_t limit) {
  for (int64_t i = 0; i < n; ++i) {
    if (indices[i] < 0 || indices[i] >= limit) return i;
  }
  return -1;
}

Status gather_rows(const void* src, int64_t row_bytes, const int32_t* indices, int64_t n, void* dst) {
  if (row_bytes < 0 || n < 0) return Status::kInvalidArgument;
  if (row_bytes == 0 || n == 0) return Status::kOk;
  const auto* from = static_cast<const char*>(src);
  auto* to = static_cast<char*>(dst);
  parallel_for(n, std::max<int64_t>(1, kGrainBytes / row_bytes), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      std::memcpy(to + i * row_bytes, from + static_cast<int64_t>(indices[i]) * row_bytes,
                  static_cast<size_t>(row_bytes));
    }
  });
  return Status::kOk;
}

Status scatter_rows(const void* src, int64_t row_bytes, const int32_t* indices, int64_t n, void* dst) {
  if (row_bytes < 0 || n < 0) return Status::kInvalidArgument;
  if (row_bytes == 0 || n == 0) return Status::kOk;
  const auto* from = static_cast<const char*>(src);
  auto* to = static_cast<char*>(dst);
  // Threads split the row's bytes, not the rows, and each walks the rows in order: repeated
  // indices resolve to the last occurrence without races.
  const int64_t grain = std::max<int64_t>(64, kGrainBytes / n);
  parallel_for(row_bytes, grain, [&](int64_t begin, int64_t end) {
    for (int64_t i = 0; i < n; ++i) {
      std::memcpy(to + static_cast<int64_t>(indices[i]) * row_bytes + begin, from + i * row_bytes + begin,
                  static_cast<size_t>(end - begin));
    }
  });
  return Status::kOk;
}

}  // namespace vllmts::cpu
