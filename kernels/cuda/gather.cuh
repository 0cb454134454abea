// Row gathers and scatters by int32 index on CUDA (embedding lookup, selecting and putting back
// rows): the twins of cpu/gather.h, enqueued on `stream`, never syncing. Rows are opaque bytes
// moved in the widest aligned words (16 bytes when pointers and row size allow). The host cannot
// read the indices without waiting for the device, so an index out of range does not raise here
// (the CPU binding rejects it): a gather writes a row of zeros for it, a scatter skips it.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "common/status.h"

namespace vllmts::cuda {

/// dst row i = src row indices[i] for i < n; rows outside [0, src_rows) give zeros.
Status gather_rows(const void* src, int64_t row_bytes, int64_t src_rows, const int32_t* indices, int64_t n, void* dst,
                   cudaStream_t stream);

/// dst row indices[i] = src row i for i < n; with repeated indices the last occurrence wins (as on
/// the CPU); indices outside [0, dst_rows) are skipped.
Status scatter_rows(const void* src, int64_t row_bytes, const int32_t* indices, int64_t n, void* dst,
                    int64_t dst_rows, cudaStream_t stream);

}  // namespace vllmts::cuda
