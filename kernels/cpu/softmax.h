// Softmax and log-softmax over the last dimension of [rows, cols], in float32 (a row of NaN when
// the row holds a NaN or is all -inf, as torch gives).
#pragma once

#include <cstdint>

#include "common/dtype.h"
#include "common/status.h"

namespace vllmts::cpu {

/// out = softmax(x) (or log_softmax(x) when `log`); x and out are float32/bf16/f16, and may differ
/// in dtype (e.g. float32 probabilities from bfloat16 logits). out may be x when dtypes match.
Status softmax(const void* x, DType x_dtype, void* out, DType out_dtype, int64_t rows, int64_t cols, bool log);

}  // namespace vllmts::cpu
