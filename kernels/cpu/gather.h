// Row gathers and scatters by int32 index (embedding lookup, selecting the rows to sample,
// putting rows back). Rows are opaque bytes, so every dtype works.
#pragma once

#include <cstdint>

#include "common/status.h"

namespace vllmts::cpu {

/// Index of the first entry of indices[0, n) outside [0, limit), or -1 when all are in range.
int64_t first_out_of_range(const int32_t* indices, int64_t n, int64_t limit);

/// dst row i = src row indices[i] for i < n. Indices must be in range (check first).
Status gather_rows(const void* src, int64_t row_bytes, const int32_t* indices, int64_t n, void* dst);

/// dst row indices[i] = src row i for i < n; with repeated indices the last occurrence wins.
Status scatter_rows(const void* src, int64_t row_bytes, const int32_t* indices, int64_t n, void* dst);

}  // namespace vllmts::cpu
