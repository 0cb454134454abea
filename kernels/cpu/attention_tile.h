// The CPU attention tile: the query rows of one work item and one KV head's group of query heads,
// streamed over the item's keys in chunks with an online softmax (FlashAttention's recurrence).
// Keys come through an accessor, so the paged and dense variants share this code:
//   kv.key(pos, kv_head) / kv.value(pos, kv_head) → element offset of that head's vector in
//   kv.keys / kv.values (both of kv.dtype)
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "cpu/attention.h"
#include "cpu/attention_math.h"
#include "cpu/attention_simd.h"

namespace vllmts::cpu::attention_detail {

/// From this many query rows on, transposing a chunk's keys pays for itself in the score loop.
constexpr int64_t kTransposeRows = 16;

/// How many keys ahead of the one being staged to prefetch.
constexpr int64_t kPrefetchKeys = 16;

/// Where a tile sits: the sequence's geometry, the item's rows and keys, the KV head.
struct TileTask {
  int64_t q_start;  // first flat row of the sequence
  int64_t q_len;    // new tokens of the sequence
  int64_t seq_len;  // all tokens of the sequence
  WorkItem item;
  int64_t kv_head;
};

// Per-thread buffers, grown on first use and reused by every later call.
struct TileScratch {
  std::vector<float> q, acc, m, l, scores, k, kt, v;
  std::vector<int64_t> lo, hi;
};

inline TileScratch& tile_scratch() {
  thread_local TileScratch scratch;
  return scratch;
}

// Keys visible to the query at `pos`, as [lo, hi), before clipping to the item's key range.
inline void visible_keys(int64_t pos, int64_t seq_len, const AttentionMasking& masking, int64_t* lo, int64_t* hi) {
  const int64_t window = masking.sliding_window;
  *lo = window > 0 ? std::max<int64_t>(0, pos - window + 1) : 0;
  if (masking.causal) {
    *hi = pos + 1;
  } else {
    *hi = window > 0 ? std::min(seq_len, pos + window) : seq_len;
  }
}

// Folds chunk keys [a, b) of one row into its running (max, sum, accumulator).
inline void online_softmax_update(float* s, int64_t a, int64_t b, const float* v, int64_t head_size, float* m,
                                  float* l, float* acc) {
  float chunk_max = -std::numeric_limits<float>::infinity();
  for (int64_t j = a; j < b; ++j) chunk_max = std::max(chunk_max, s[j]);
  const float m_new = std::max(*m, chunk_max);
  float p[kKeyChunk];
  float sum = 0.0f;
  for (int64_t j = 0; j < kKeyChunk; ++j) {
    const float e = exp_approx(s[j] - m_new);
    p[j] = j >= a && j < b ? e : 0.0f;
    sum += p[j];
  }
  const float correction = exp_approx(*m - m_new);
  if (correction != 1.0f) {
    for (int64_t d = 0; d < head_size; ++d) acc[d] *= correction;
  }
  int64_t d0 = 0;
  for (; d0 + 64 <= head_size; d0 += 64) accumulate_values64(p, a, b, v + d0, head_size, acc + d0);
  for (; d0 + 16 <= head_size; d0 += 16) accumulate_values16(p, a, b, v + d0, head_size, acc + d0);
  for (; d0 < head_size; ++d0) {
    for (int64_t j = a; j < b; ++j) acc[d0] += p[j] * v[j * head_size + d0];
  }
  *l = *l * correction + sum;
  *m = m_new;
}

/// Runs one (work item, KV head) unit: writes its rows' outputs, or their partial states.
template <typename KV>
void run_tile(const AttentionProblem& p, const KV& kv, const TileTask& task, const AttentionMasking& masking,
              float* partials) {
  const int64_t D = p.head_size;
  const int64_t group = p.num_heads / p.num_kv_heads;
  const int64_t tokens = task.item.q_count;
  const int64_t rows = tokens * group;  // row = token · group + head-in-group
  const int64_t first_head = task.kv_head * group;
  TileScratch& t = tile_scratch();
  t.q.resize(rows * D);
  t.acc.assign(rows * D, 0.0f);
  t.m.assign(rows, -std::numeric_limits<float>::infinity());
  t.l.assign(rows, 0.0f);
  t.scores.resize(rows * kKeyChunk);
  t.k.resize(kKeyChunk * D);
  t.kt.resize(D * kKeyChunk);
  t.v.resize(kKeyChunk * D);
  t.lo.resize(tokens);
  t.hi.resize(tokens);

  // Positions, visible key ranges (clipped to the item's keys) and their union.
  const int64_t first_pos = task.seq_len - task.q_len + (task.item.q_begin - task.q_start);
  int64_t union_lo = task.item.kv_end, union_hi = task.item.kv_begin;
  for (int64_t i = 0; i < tokens; ++i) {
    visible_keys(first_pos + i, task.seq_len, masking, &t.lo[i], &t.hi[i]);
    t.lo[i] = std::max<int64_t>(t.lo[i], task.item.kv_begin);
    t.hi[i] = std::min<int64_t>(t.hi[i], task.item.kv_end);
    if (t.lo[i] < t.hi[i]) {
      union_lo = std::min(union_lo, t.lo[i]);
      union_hi = std::max(union_hi, t.hi[i]);
    }
  }
  for (int64_t i = 0; i < tokens; ++i) {
    for (int64_t g = 0; g < group; ++g) {
      const int64_t offset = ((task.item.q_begin + i) * p.num_heads + first_head + g) * D;
      load_row(p.q, p.dtype, offset, D, masking.scale, t.q.data() + (i * group + g) * D);
    }
  }

  const int64_t element_bytes = dtype_size(kv.dtype);
  for (int64_t c0 = union_lo; c0 < union_hi; c0 += kKeyChunk) {
    const int64_t n = std::min<int64_t>(kKeyChunk, union_hi - c0);
    // Stage the chunk in float32: values as rows; keys as rows for a few query rows, transposed
    // ([D][chunk]) for many. One head's vector is a short run in a [tokens, kv_heads, D] page,
    // too sparse for the hardware prefetcher, so each step also asks for a vector further on.
    const bool transpose = rows >= kTransposeRows;
    for (int64_t j = 0; j < n; ++j) {
      if (c0 + j + kPrefetchKeys < union_hi) {
        prefetch_row(kv.keys, kv.key(c0 + j + kPrefetchKeys, task.kv_head), D, element_bytes);
        prefetch_row(kv.values, kv.value(c0 + j + kPrefetchKeys, task.kv_head), D, element_bytes);
      }
      load_row(kv.values, kv.dtype, kv.value(c0 + j, task.kv_head), D, 1.0f, t.v.data() + j * D);
      load_row(kv.keys, kv.dtype, kv.key(c0 + j, task.kv_head), D, 1.0f, t.k.data() + j * D);
    }
    if (!transpose) {
      chunk_scores_rows(t.q.data(), rows, D, t.k.data(), n, t.scores.data());
    } else {
      std::fill(t.k.begin() + n * D, t.k.end(), 0.0f);
      transpose_keys(t.k.data(), D, t.kt.data());
      chunk_scores(t.q.data(), rows, D, t.kt.data(), t.scores.data());
    }
    for (int64_t i = 0; i < tokens; ++i) {
      const int64_t a = std::max(t.lo[i], c0) - c0;
      const int64_t b = std::min(t.hi[i], c0 + n) - c0;
      if (a >= b) continue;
      for (int64_t g = 0; g < group; ++g) {
        const int64_t r = i * group + g;
        float* s = t.scores.data() + r * kKeyChunk;
        if (masking.softcap > 0.0f) {
          const float cap = masking.softcap;
          const float inv_cap = 1.0f / cap;
          for (int64_t j = 0; j < kKeyChunk; ++j) s[j] = cap * tanh_approx(s[j] * inv_cap);
        }
        if (masking.alibi_slopes != nullptr) {
          const float slope = masking.alibi_slopes[first_head + g];
          for (int64_t j = a; j < b; ++j) s[j] += slope * static_cast<float>(c0 + j - (first_pos + i));
        }
        online_softmax_update(s, a, b, t.v.data(), D, &t.m[r], &t.l[r], t.acc.data() + r * D);
      }
    }
  }

  for (int64_t i = 0; i < tokens; ++i) {
    for (int64_t g = 0; g < group; ++g) {
      const int64_t r = i * group + g;
      const int64_t head = first_head + g;
      if (task.item.partial_row >= 0) {
        float* state = partials + ((task.item.partial_row + i) * p.num_heads + head) * (D + 2);
        std::copy(t.acc.begin() + r * D, t.acc.begin() + (r + 1) * D, state);
        state[D] = t.m[r];
        state[D + 1] = t.l[r];
      } else {
        const float inv = t.l[r] > 0.0f ? 1.0f / t.l[r] : 0.0f;
        const int64_t offset = ((task.item.q_begin + i) * p.num_heads + head) * D;
        store_row(t.acc.data() + r * D, inv, p.out, p.dtype, offset, D);
      }
    }
  }
}

}  // namespace vllmts::cpu::attention_detail
