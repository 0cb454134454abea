// Column splits on CUDA: the twin of cpu/split.h, enqueued on `stream`, never syncing. One launch
// moves every part, in the widest words that the pointers, offsets and sizes allow.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "common/status.h"
#include "cpu/split.h"

namespace vllmts::cuda {

/// The most parts one split takes (q, k, v and one spare).
constexpr int kMaxSplitParts = 4;

/// For each part p and row i < rows: dst_p row i = src row i's bytes [offset_p, offset_p + bytes_p).
Status split_columns(const void* src, int64_t rows, int64_t row_bytes, const ColumnPart* parts, int num_parts,
                     cudaStream_t stream);

}  // namespace vllmts::cuda
