// The sampling kernel: greedy argmax, or top-k / top-p truncation (sampling_truncation.cpp)
// followed by the exponential race with Philox draws. Rows run in parallel. A small kept set races
// token by token; a large one (or an untruncated row) races the whole row in vectorised chunks,
// with the truncation as a threshold mask.
#include <algorithm>
#include <limits>

#include "cpu/parallel.h"
#include "cpu/sampling.h"
#include "cpu/sampling_math.h"
#include "cpu/sampling_philox.h"
#include "cpu/sampling_philox_simd.h"
#include "cpu/sampling_truncation.h"

namespace vllmts::cpu {
namespace {

using sampling::race_word;
using sampling::uniform_open01;

constexpr float kNegInf = -std::numeric_limits<float>::infinity();
constexpr int64_t kChunk = 1024;  // tokens per vectorised race chunk (a multiple of 4)

int32_t argmax(const float* x, int64_t vocab) {
  const float m = row_max(x, vocab);
  for (int64_t i = 0; i < vocab; ++i) {
    if (x[i] == m) return static_cast<int32_t>(i);
  }
  return 0;
}

struct RaceKey {
  uint32_t lo, hi, position;
};

// p_i / q_i up to the row's normaliser: exp(x_i - max) / -log(u_i).
float race_score(float logit, float max_logit, uint32_t word) {
  return exp_approx(logit - max_logit) / -log_approx(uniform_open01(word));
}

// argmax of the race over the tokens the cut keeps, the whole row in vectorised chunks. Ties go
// to the lower index.
int32_t race_row(const float* x, int64_t vocab, float max_logit, const RaceKey& key, Cut cut) {
  alignas(64) uint32_t words[kChunk];
  alignas(64) float score[kChunk];
  float best = -1.0f;
  int64_t best_index = 0;
  for (int64_t base = 0; base < vocab; base += kChunk) {
    const int64_t n = std::min(kChunk, vocab - base);
    philox_words(words, static_cast<uint32_t>(base >> 2), (n + 3) / 4, key.position, sampling::kRaceStream, key.lo,
                 key.hi);
    const float* chunk = x + base;
    const auto tie_limit = static_cast<int32_t>(std::clamp<int64_t>(cut.last_index - base, -1, kChunk));
    for (int32_t i = 0; i < static_cast<int32_t>(n); ++i) {
      // Bitwise, not short-circuit, operators: a branch-free mask keeps the loop vectorised.
      const bool kept = (chunk[i] > cut.value) | ((chunk[i] == cut.value) & (i <= tie_limit));
      const float s = race_score(chunk[i], max_logit, words[i]);
      score[i] = kept ? s : -1.0f;
    }
    const float chunk_best = row_max(score, n);
    if (chunk_best > best) {
      best = chunk_best;
      best_index = base + (std::find(score, score + n, chunk_best) - score);
    }
  }
  return static_cast<int32_t>(best_index);
}

int32_t race_candidates(const Candidate* c, int64_t n, float max_logit, const RaceKey& key) {
  float best = -1.0f;
  int32_t best_index = c[0].index;
  for (int64_t i = 0; i < n; ++i) {
    const float s = race_score(c[i].logit, max_logit, race_word(key.lo, key.hi, key.position, c[i].index));
    if (s > best || (s == best && c[i].index < best_index)) {
      best = s;
      best_index = c[i].index;
    }
  }
  return best_index;
}

int32_t sample_row(const float* x, int64_t vocab, int32_t top_k, float top_p, const RaceKey& key,
                   TruncationScratch& scratch) {
  const float m = row_max(x, vocab);
  if (!(m > kNegInf)) return argmax(x, vocab);  // nothing has probability: fall back to argmax
  const Truncation kept = truncate_row(x, vocab, m, top_k, top_p, scratch);
  // A philox call per candidate beats a vectorised pass over the row only for small sets.
  if (kept.listed && kept.kept * 32 < vocab) return race_candidates(scratch.candidates.data(), kept.kept, m, key);
  return race_row(x, vocab, m, key, kept.cut);
}

}  // namespace

Status sampling_sample(int32_t* out, const float* logits, int64_t num_rows, int64_t vocab, const float* temperature,
                       const int32_t* top_k, const float* top_p, const uint32_t* seeds, const int32_t* positions) {
  if (num_rows < 0 || vocab < 0 || vocab > std::numeric_limits<int32_t>::max()) return Status::kInvalidArgument;
  if (num_rows == 0) return Status::kOk;
  if (vocab == 0) return Status::kInvalidArgument;
  parallel_for(num_rows, 1, [&](int64_t begin, int64_t end) {
    TruncationScratch scratch;
    for (int64_t r = begin; r < end; ++r) {
      const float* x = logits + r * vocab;
      if (temperature[r] < kGreedyTemperature) {
        out[r] = argmax(x, vocab);
        continue;
      }
      const RaceKey key{seeds[2 * r], seeds[2 * r + 1], static_cast<uint32_t>(positions[r])};
      out[r] = sample_row(x, vocab, top_k[r], top_p[r], key, scratch);
    }
  });
  return Status::kOk;
}

}  // namespace vllmts::cpu
