// Elementwise CPU kernels over contiguous buffers. Float types compute in float32.
#pragma once

#include <cstdint>

#include "common/dtype.h"
#include "common/status.h"

namespace vllmts::cpu {

/// out[i] = value, converted to `dtype`.
Status fill(void* out, DType dtype, int64_t numel, double value);

/// out[i] = low + (high - low) * u(seed, i), u uniform in [0, 1) from a counter hash: the same
/// values on every device and thread count (float dtypes only).
Status fill_uniform(void* out, DType dtype, int64_t numel, float low, float high, uint64_t seed);

/// out[i] = in[i], converting between any two dtypes (float ↔ int truncates toward zero).
Status cast(const void* in, DType in_dtype, void* out, DType out_dtype, int64_t numel);

/// out[i] = a[i] + b[i % b_numel]: b is either the same size as a or broadcast along rows
/// (a bias of one row). All three share one dtype; `out` may alias `a`.
Status add(const void* a, const void* b, void* out, DType dtype, int64_t numel, int64_t b_numel);

}  // namespace vllmts::cpu
