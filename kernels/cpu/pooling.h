// Pooling reductions for embedding models: the mean of each sequence's token rows, and L2
// normalisation of rows.
#pragma once

#include <cstdint>

#include "common/dtype.h"
#include "common/status.h"

namespace vllmts::cpu {

/// Index of the first bad entry of start_loc[0, sequences] (negative, decreasing, past `tokens`,
/// or an empty range), or -1 when every range [start_loc[s], start_loc[s + 1]) is valid.
int64_t first_bad_range(const int32_t* start_loc, int64_t sequences, int64_t tokens);

/// out[s] = mean of x rows [start_loc[s], start_loc[s + 1]), summed in float32 (ranges valid).
Status mean_pool(const void* x, DType x_dtype, int64_t hidden, const int32_t* start_loc, int64_t sequences,
                 void* out, DType out_dtype);

/// out[r] = x[r] / max(‖x[r]‖₂, 1e-12), as torch.nn.functional.normalize; out may be x.
Status l2_normalize(const void* x, DType x_dtype, void* out, DType out_dtype, int64_t rows, int64_t cols);

}  // namespace vllmts::cpu
