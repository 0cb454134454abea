// Column splits of a row-major matrix: a fused projection's output [rows, a + b + …] into one
// contiguous matrix per part (q, k and v of a stacked qkv_proj). Rows are opaque bytes, so every
// dtype works.
#pragma once

#include <cstdint>

#include "common/status.h"

namespace vllmts {

/// One output of a column split: `bytes` of each source row, from `offset` on, into row i of `dst`.
struct ColumnPart {
  void* dst;
  int64_t offset;
  int64_t bytes;
};

}  // namespace vllmts

namespace vllmts::cpu {

/// For each part p and row i < rows: dst_p row i = src row i's bytes [offset_p, offset_p + bytes_p).
Status split_columns(const void* src, int64_t rows, int64_t row_bytes, const ColumnPart* parts, int num_parts);

}  // namespace vllmts::cpu
