#include "cpu/split.h"

#include <algorithm>
#include <cstring>

#include "cpu/parallel.h"

namespace vllmts::cpu {

Status split_columns(const void* src, int64_t rows, int64_t row_bytes, const ColumnPart* parts, int num_parts) {
  if (rows < 0 || row_bytes < 0 || num_parts < 0) return Status::kInvalidArgument;
  for (int p = 0; p < num_parts; ++p) {
    if (parts[p].offset < 0 || parts[p].bytes < 0 || parts[p].offset + parts[p].bytes > row_bytes) {
      return Status::kInvalidArgument;
    }
  }
  if (rows == 0 || row_bytes == 0) return Status::kOk;
  const auto* from = static_cast<const char*>(src);
  constexpr int64_t kGrainBytes = int64_t{1} << 16;
  parallel_for(rows, std::max<int64_t>(1, kGrainBytes / row_bytes), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      for (int p = 0; p < num_parts; ++p) {
        std::memcpy(static_cast<char*>(parts[p].dst) + i * parts[p].bytes, from + i * row_bytes + parts[p].offset,
                    static_cast<size_t>(parts[p].bytes));
      }
    }
  });
  return Status::kOk;
}

}  // namespace vllmts::cpu
