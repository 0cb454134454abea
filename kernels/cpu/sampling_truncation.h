// Top-k / top-p truncation of one row for the sampling kernel: which tokens stay in the race.
#pragma once

#include <cstdint>
#include <vector>

namespace vllmts::cpu {

/// A token still in the running, with its unnormalised probability exp(logit - row max).
struct Candidate {
  float logit;
  int32_t index;
  float weight;
};

/// The kept set as a threshold in the descending order (logit, then lower index first): tokens
/// with logit > value, and those equal to it up to last_index.
struct Cut {
  float value;
  int32_t last_index;
};

/// Per-thread buffers, reused across rows.
struct TruncationScratch {
  std::vector<Candidate> candidates;
  std::vector<float> values;
};

/// The k-th largest value of x (1 <= k <= n; NaN counts as -inf): a min-heap of k for small k, a
/// selection otherwise. `values` is scratch space.
float kth_largest(const float* x, int64_t n, int64_t k, std::vector<float>& values);

/// What truncation keeps: `kept` tokens, described by `cut`; when `listed`, they are also the
/// first `kept` entries of scratch.candidates (done for small sets, which race token by token).
struct Truncation {
  Cut cut;
  int64_t kept;
  bool listed;
};

/// Applies top-k (when 0 < top_k < vocab) and then top-p (when top_p < 1) to a row whose largest
/// finite logit is `max_logit`.
Truncation truncate_row(const float* x, int64_t vocab, float max_logit, int32_t top_k, float top_p,
                        TruncationScratch& scratch);

}  // namespace vllmts::cpu
