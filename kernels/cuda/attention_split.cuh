// The decode schedule's key split, shared by the host planner (which describes it) and the decode
// kernels (which derive it from the device's seq_lens on every run, so graph replays follow new
// lengths). Plain C++ on the host, __host__ __device__ under nvcc.
#pragma once

#include <cstdint>

#include "common/dtype.h"

namespace vllmts::cuda {

/// Split boundaries fall on multiples of this many keys: the decode kernels' key tile.
constexpr int64_t kDecodeSplitAlign = 64;

/// Split `split` of `splits` over a sequence of `seq_len` keys: [*begin, *end), possibly empty.
/// Keys are shared evenly, rounded up to whole tiles, so the last splits of a short sequence are
/// empty (their partial state is "no keys", which the merge skips).
VT_HD void decode_split_range(int64_t seq_len, int64_t splits, int64_t split, int64_t* begin, int64_t* end) {
  int64_t chunk = (seq_len + splits - 1) / splits;
  chunk = (chunk + kDecodeSplitAlign - 1) / kDecodeSplitAlign * kDecodeSplitAlign;
  const int64_t b = split * chunk < seq_len ? split * chunk : seq_len;
  const int64_t e = b + chunk < seq_len ? b + chunk : seq_len;
  *begin = b;
  *end = e;
}

}  // namespace vllmts::cuda
