// A counter-based hash (splitmix64's finaliser) that turns (seed, index) into 64 random bits with
// integer arithmetic only, so the CPU and CUDA kernels produce bit-identical streams.
#pragma once

#include <cstdint>

#include "common/dtype.h"

namespace vllmts {

VT_HD uint64_t counter_hash(uint64_t seed, uint64_t index) {
  uint64_t z = seed + (index + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// A float in [0, 1) with 24 random bits (exactly representable in float32).
VT_HD float counter_uniform(uint64_t seed, uint64_t index) {
  return static_cast<float>(counter_hash(seed, index) >> 40) * (1.0f / 16777216.0f);
}

}  // namespace vllmts
