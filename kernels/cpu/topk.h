// Selecting the largest entries of each row of [rows, cols]: argmax and sorted top-k.
//
// Order: larger values first; equal values by lower index; NaN counts as larger than every
// number (torch.argmax and torch.topk treat it so), so a row with NaN selects its first NaN.
#pragma once

#include <cstdint>

#include "common/dtype.h"
#include "common/status.h"

namespace vllmts::cpu {

/// out[r] = index of the largest value of row r (cols ≥ 1).
Status argmax(const void* x, DType x_dtype, int64_t rows, int64_t cols, int32_t* out);

/// values[r, j], indices[r, j] = the j-th largest entry of row r, j < k ≤ cols. values may be any
/// float dtype (rounded from the float32 value).
Status topk(const void* x, DType x_dtype, int64_t rows, int64_t cols, int64_t k, void* values, DType values_dtype,
            int32_t* indices);

}  // namespace vllmts::cpu
