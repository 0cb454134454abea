// The skinny GEMM path (decode): few rows of x against a large weight. Each thread takes a range
// of weight rows, converts four at a time to float32 in its cache, and dots them with every row
// of x, so the weight (the only large operand) is read from memory exactly once.
#pragma once

#include "cpu/gemm.h"

namespace vllmts::cpu {

/// gemm() for small args.m; the same contract.
Status gemm_skinny(const GemmArgs& args);

}  // namespace vllmts::cpu
