// Top-k and top-p without sorting the vocabulary. Top-k finds the k-th largest logit with a small
// heap (or a selection) and keeps everything at least that large. Top-p keeps the smallest prefix,
// in descending order with ties by lower index, whose probability reaches p: the mass at a few
// distances from the maximum brackets the cut, and a selection by mass over the bracket's tokens
// (quickselect that tracks the mass above its range) finds it.
#include "cpu/sampling_truncation.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <limits>

#include "cpu/sampling_math.h"

namespace vllmts::cpu {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();
constexpr int64_t kChunk = 1024;

bool ranks_before(const Candidate& a, const Candidate& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.index < b.index);
}

// Appends the finite logits for which keep(i) holds, in index order, with their weights. The
// predicate is evaluated for a chunk at a time into flags (vectorised when keep is branch-free),
// and only flagged tokens are visited.
template <typename Keep>
void collect(const float* x, int64_t vocab, float max_logit, std::vector<Candidate>& out, Keep keep) {
  out.clear();
  alignas(64) uint8_t flags[kChunk];
  for (int64_t base = 0; base < vocab; base += kChunk) {
    const auto n = static_cast<int32_t>(std::min(kChunk, vocab - base));
    const float* chunk = x + base;
    const auto first = static_cast<int32_t>(base);
    for (int32_t i = 0; i < n; ++i) flags[i] = static_cast<uint8_t>((chunk[i] > kNegInf) & keep(first + i));
    for (int32_t i = n; i < kChunk; ++i) flags[i] = 0;
    for (int32_t i = 0; i < n; i += 8) {
      uint64_t any;
      std::memcpy(&any, flags + i, 8);
      if (any == 0) continue;
      for (int32_t j = i; j < i + 8; ++j) {
        if (flags[j]) out.push_back({chunk[j], first + j, exp_approx(chunk[j] - max_logit)});
      }
    }
  }
}

double weight_of(const Candidate* begin, const Candidate* end) {
  double total = 0.0;
  for (const Candidate* c = begin; c != end; ++c) total += c->weight;
  return total;
}

// Reorders c so that the smallest prefix (in ranks_before order) whose weight reaches `target`
// comes first, and returns its length: token d stays while the weight before it is < target, the
// first always. When even the total falls short (rounding), everything stays.
int64_t keep_mass(std::vector<Candidate>& c, double target) {
  Candidate* data = c.data();
  int64_t lo = 0;
  int64_t hi = static_cast<int64_t>(c.size());
  double before = 0.0;  // weight of the kept tokens in [0, lo)
  for (int rounds = 0; hi - lo > 32 && rounds < 64; ++rounds) {
    const float a = data[lo].logit, b = data[(lo + hi) / 2].logit, z = data[hi - 1].logit;
    const float pivot = std::max(std::min(a, b), std::min(std::max(a, b), z));
    Candidate* greater_end = std::partition(data + lo, data + hi, [&](const Candidate& t) { return t.logit > pivot; });
    Candidate* equal_end = std::partition(greater_end, data + hi, [&](const Candidate& t) { return t.logit == pivot; });
    const double greater = weight_of(data + lo, greater_end);
    if (before + greater >= target && greater_end != data + lo) {
      hi = greater_end - data;  // the cut lies among the larger logits
      continue;
    }
    const double equal = weight_of(greater_end, equal_end);
    if (before + greater + equal >= target) {
      before += greater;  // the cut lies inside the tie group at the pivot
      lo = greater_end - data;
      hi = equal_end - data;
      break;
    }
    before += greater + equal;
    lo = equal_end - data;
  }
  std::sort(data + lo, data + hi, ranks_before);
  for (int64_t d = lo; d < hi; ++d) {
    if (d > 0 && before >= target) return d;
    before += data[d].weight;
  }
  return hi;  // only rounding leaves the sorted walk short of what the partition sums promised
}

// The cut that describes a kept prefix of candidates (n > 0).
Cut cut_of(const Candidate* kept, int64_t n) {
  Cut cut{kept[0].logit, kept[0].index};
  for (int64_t i = 1; i < n; ++i) {
    if (kept[i].logit < cut.value || (kept[i].logit == cut.value && kept[i].index > cut.last_index)) {
      cut = {kept[i].logit, kept[i].index};
    }
  }
  return cut;
}

// A large bracket is split into fine bins of distance, and only the bin holding the cut is collected.
constexpr int64_t kSmallBracket = 4096;
constexpr int kBins = 256;

int bin_index(float distance, float inner, float scale) {
  const int bin = static_cast<int>((distance - inner) * scale);  // monotone in the distance
  return bin < kBins - 1 ? bin : kBins - 1;
}

struct BinCut {
  float scale;
  int bin;
  double mass_before;    // of the bracket's bins before `bin`
  int64_t count_before;  // tokens in them
};

// The bin of the bracket [inner, outer) at which the bracket's running mass first reaches target.
BinCut cut_bin(const float* x, int64_t vocab, float max_logit, float inner, float outer, double target) {
  const float scale = static_cast<float>(kBins) / (outer - inner);
  // Four interleaved histograms, so consecutive tokens in one bin do not wait on each other.
  std::vector<float> partial_mass(4 * kBins, 0.0f);
  std::vector<int32_t> partial_count(4 * kBins, 0);
  alignas(64) int32_t bin[kChunk];
  alignas(64) float weight[kChunk];
  for (int64_t base = 0; base < vocab; base += kChunk) {
    const auto n = static_cast<int32_t>(std::min(kChunk, vocab - base));
    for (int32_t i = 0; i < n; ++i) {
      const float d = max_logit - x[base + i];
      const bool inside = (d >= inner) & (d < outer);
      bin[i] = inside ? bin_index(d, inner, scale) : -1;
      weight[i] = inside ? exp_approx(-d) : 0.0f;
    }
    for (int32_t i = 0; i < n; ++i) {
      if (bin[i] < 0) continue;
      const int32_t slot = 4 * bin[i] + (i & 3);
      partial_mass[slot] += weight[i];
      partial_count[slot] += 1;
    }
  }
  std::vector<double> mass(kBins, 0.0);
  std::vector<int64_t> count(kBins, 0);
  for (int b = 0; b < kBins; ++b) {
    for (int k = 0; k < 4; ++k) {
      mass[b] += partial_mass[4 * b + k];
      count[b] += partial_count[4 * b + k];
    }
  }
  BinCut cut{scale, 0, 0.0, 0};
  while (cut.bin < kBins - 1 && (count[cut.bin] == 0 || cut.mass_before + mass[cut.bin] < target)) {
    cut.mass_before += mass[cut.bin];
    cut.count_before += count[cut.bin];
    ++cut.bin;
  }
  return cut;
}

// Top-p over the whole row. One vectorised pass measures the mass and count of tokens within a
// few distances of the maximum; the first distance whose mass reaches p·total brackets the cut,
// so only the tokens in that bracket are collected and ordered by mass.
Truncation top_p_full_row(const float* x, int64_t vocab, float max_logit, float p, std::vector<Candidate>& c) {
  constexpr int kLevels = 8;
  constexpr float kDistance[kLevels] = {0.25f, 0.5f, 1.0f, 2.0f, 4.0f, 8.0f, 16.0f, 32.0f};
  alignas(64) float distance[kChunk];
  alignas(64) float weight[kChunk];
  double mass[kLevels] = {};
  int64_t count[kLevels] = {};
  double total = 0.0;
  for (int64_t base = 0; base < vocab; base += kChunk) {
    const int64_t n = std::min(kChunk, vocab - base);
    for (int64_t i = 0; i < n; ++i) {
      const float d = max_logit - x[base + i];  // +inf for -inf logits, NaN for NaN
      const float w = exp_approx(-d);
      distance[i] = d;
      weight[i] = w == w ? w : 0.0f;
    }
    total += row_sum(weight, n);
    for (int j = 0; j < kLevels; ++j) {
      mass[j] += row_sum_where_below(weight, distance, n, kDistance[j]);
      count[j] += row_count_below(distance, n, kDistance[j]);
    }
  }
  const double target = static_cast<double>(p) * total;
  int level = 0;
  while (level < kLevels && mass[level] < target) ++level;
  const float inner = level == 0 ? -1.0f : kDistance[level - 1];
  const float outer = level == kLevels ? std::numeric_limits<float>::infinity() : kDistance[level];
  double before = level == 0 ? 0.0 : mass[level - 1];
  int64_t kept_before = level == 0 ? 0 : count[level - 1];
  const int64_t bracket = (level == kLevels ? vocab : count[level]) - kept_before;
  if (bracket > kSmallBracket && level < kLevels) {
    const BinCut bins = cut_bin(x, vocab, max_logit, inner, outer, target - before);
    collect(x, vocab, max_logit, c, [&](int32_t i) {
      const float d = max_logit - x[i];
      return (d >= inner) & (d < outer) & (bin_index(d, inner, bins.scale) == bins.bin);
    });
    before += bins.mass_before;
    kept_before += bins.count_before;
  } else {
    collect(x, vocab, max_logit, c, [&](int32_t i) {
      const float d = max_logit - x[i];
      return (d >= inner) & (d < outer);
    });
  }
  if (c.empty()) {
    // Rounding put the target beyond the bracket's last token: keep the whole bracket.
    collect(x, vocab, max_logit, c, [&](int32_t i) { return max_logit - x[i] < outer; });
    const int64_t n = static_cast<int64_t>(c.size());
    return {cut_of(c.data(), n), n, n * 32 < vocab};
  }
  const int64_t kept_in_bracket = keep_mass(c, target - before);
  const Cut cut = cut_of(c.data(), kept_in_bracket);
  const int64_t kept = kept_before + kept_in_bracket;
  if (kept * 32 >= vocab) return {cut, kept, false};
  collect(x, vocab, max_logit, c, [&](int32_t i) {
    return (x[i] > cut.value) | ((x[i] == cut.value) & (i <= cut.last_index));
  });
  return {cut, static_cast<int64_t>(c.size()), true};
}

}  // namespace

float kth_largest(const float* x, int64_t n, int64_t k, std::vector<float>& values) {
  values.clear();
  if (k <= 4096 && k * 16 <= n) {
    const auto greater = std::greater<float>();
    for (int64_t i = 0; i < n; ++i) {
      const float v = x[i] == x[i] ? x[i] : kNegInf;
      if (static_cast<int64_t>(values.size()) < k) {
        values.push_back(v);
        std::push_heap(values.begin(), values.end(), greater);
      } else if (v > values.front()) {
        std::pop_heap(values.begin(), values.end(), greater);
        values.back() = v;
        std::push_heap(values.begin(), values.end(), greater);
      }
    }
    return values.front();
  }
  values.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) values[i] = x[i] == x[i] ? x[i] : kNegInf;
  std::nth_element(values.begin(), values.begin() + (k - 1), values.end(), std::greater<float>());
  return values[k - 1];
}

Truncation truncate_row(const float* x, int64_t vocab, float max_logit, int32_t top_k, float top_p,
                        TruncationScratch& scratch) {
  std::vector<Candidate>& c = scratch.candidates;
  if (top_k > 0 && top_k < vocab) {
    const float kth = kth_largest(x, vocab, top_k, scratch.values);
    collect(x, vocab, max_logit, c, [&](int32_t i) { return x[i] >= kth; });
    int64_t kept = static_cast<int64_t>(c.size());
    if (top_p < 1.0f) kept = keep_mass(c, static_cast<double>(top_p) * weight_of(c.data(), c.data() + kept));
    return {cut_of(c.data(), kept), kept, true};
  }
  if (top_p < 1.0f) return top_p_full_row(x, vocab, max_logit, top_p, c);
  return {Cut{kNegInf, static_cast<int32_t>(vocab)}, vocab, false};
}

}  // namespace vllmts::cpu
