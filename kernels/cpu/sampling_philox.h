// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a
// counter-based generator, so any draw is a pure function of (key, counter). The sampler keys it
// with a request's 64-bit seed and counts by (output position, token index), which makes a
// request's draws identical on every device and whatever else shares its batch. Host and device
// code (VT_HD) so the CUDA kernels draw exactly the same numbers.
#pragma once

#include <cstdint>

#include "common/dtype.h"

namespace vllmts::sampling {

constexpr uint32_t kPhiloxM0 = 0xD2511F53u;
constexpr uint32_t kPhiloxM1 = 0xCD9E8D57u;
constexpr uint32_t kPhiloxW0 = 0x9E3779B9u;  // golden ratio
constexpr uint32_t kPhiloxW1 = 0xBB67AE85u;  // sqrt(3) - 1

/// The stream word of the counter for the exponential race (other uses pick other streams).
constexpr uint32_t kRaceStream = 0;

/// Ten Philox rounds on counter c with key (k0, k1); results replace c.
VT_HD void philox4x32_10(uint32_t& c0, uint32_t& c1, uint32_t& c2, uint32_t& c3, uint32_t k0, uint32_t k1) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += kPhiloxW0;
      k1 += kPhiloxW1;
    }
    const uint64_t p0 = static_cast<uint64_t>(kPhiloxM0) * c0;
    const uint64_t p1 = static_cast<uint64_t>(kPhiloxM1) * c2;
    const uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1 ^ k0;
    const uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3 ^ k1;
    c1 = static_cast<uint32_t>(p1);
    c3 = static_cast<uint32_t>(p0);
    c0 = n0;
    c2 = n2;
  }
}

/// A uniform in the open interval (0, 1) from the top 24 bits of a word: exact in float32, never 0
/// or 1, so -log(u) is finite and positive.
VT_HD float uniform_open01(uint32_t word) {
  return (static_cast<float>(word >> 8) + 0.5f) * 5.9604644775390625e-8f;  // 2^-24
}

/// The race draw of `token` at output `position`: counter (token / 4, position, stream, 0), word
/// token % 4 of the result. Four neighbouring tokens share one Philox call.
VT_HD uint32_t race_word(uint32_t seed_lo, uint32_t seed_hi, uint32_t position, uint32_t token) {
  uint32_t c0 = token >> 2, c1 = position, c2 = kRaceStream, c3 = 0;
  philox4x32_10(c0, c1, c2, c3, seed_lo, seed_hi);
  switch (token & 3u) {
    case 0: return c0;
    case 1: return c1;
    case 2: return c2;
    default: return c3;
  }
}

}  // namespace vllmts::sampling
