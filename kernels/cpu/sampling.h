// CPU sampling kernels: the per-row work of the sampler, batched over all rows of a step
// (kernels/cuda/sampling.cuh holds their CUDA twins).
//
// Layouts. `logits` is float32 [num_rows, vocab], row-major, modified in place by the logits
// kernels. Sparse per-token operands come in two forms:
//   - COO: parallel arrays rows[count], tokens[count] (and values[count]): one entry per (row, token).
//   - CSR over a subset of rows: row_ids[num_lists] (which logits row each list is for),
//     offsets[num_lists + 1] (list i is entries offsets[i] .. offsets[i+1]), then per-entry arrays.
// Per-row parameters are arrays of num_rows. Every index is checked before any memory is written;
// an index out of range returns kInvalidArgument.
#pragma once

#include <cstdint>

#include "common/status.h"

namespace vllmts::cpu {

/// Temperatures below this are greedy rows (vLLM's _SAMPLING_EPS).
constexpr float kGreedyTemperature = 1e-5f;

/// logits[rows[i], tokens[i]] = -inf (bad words, min-tokens stop ids).
Status sampling_mask_tokens(float* logits, int64_t num_rows, int64_t vocab, const int32_t* rows,
                            const int32_t* tokens, int64_t count);

/// logits[rows[i], tokens[i]] += bias[i] (logit bias).
Status sampling_add_bias(float* logits, int64_t num_rows, int64_t vocab, const int32_t* rows, const int32_t* tokens,
                         const float* bias, int64_t count);

/// CSR: in each listed row, every token not in its list becomes -inf (allowed token ids). Each
/// list must be sorted ascending (the CUDA kernel searches it).
Status sampling_keep_tokens(float* logits, int64_t num_rows, int64_t vocab, const int32_t* row_ids,
                            const int32_t* offsets, int64_t num_lists, const int32_t* tokens, int64_t count);

/// CSR over penalised rows; each list holds the distinct tokens of prompt ∪ output with the token's
/// count in the output (0 for prompt-only tokens). Per list: repetition (over every listed token),
/// then frequency and presence (over output_counts > 0), vLLM's formulas:
///   x = x > 0 ? x / rep : x * rep;  x -= freq * count;  x -= pres * (count > 0).
Status sampling_apply_penalties(float* logits, int64_t num_rows, int64_t vocab, const int32_t* row_ids,
                                const int32_t* offsets, int64_t num_lists, const int32_t* tokens,
                                const int32_t* output_counts, int64_t count, const float* repetition,
                                const float* frequency, const float* presence);

/// logits[r, :] /= temperature[r] for rows whose temperature is neither greedy nor 1.
Status sampling_apply_temperature(float* logits, int64_t num_rows, int64_t vocab, const float* temperature);

/// Min-p: in rows with min_p[r] > 0, tokens with prob < min_p × max prob become -inf.
Status sampling_apply_min_p(float* logits, int64_t num_rows, int64_t vocab, const float* min_p);

/// One token per row. Greedy rows (temperature < kGreedyTemperature): the first index of the
/// largest logit. Other rows: top-k (0, negative or >= vocab: off; values >= the k-th largest are
/// kept, ties included), then top-p (p >= 1: off; in descending order, ties by lower index, a
/// token is kept while the probability mass before it is < p; the first is always kept), then
/// the exponential race argmax(p_i / q_i), q_i = -log(u_i), u_i from Philox keyed by
/// seeds[r] = (lo, hi) and counted by (positions[r], i). NaN logits count as -inf; a row
/// without a finite logit yields its argmax (0).
Status sampling_sample(int32_t* out, const float* logits, int64_t num_rows, int64_t vocab, const float* temperature,
                       const int32_t* top_k, const float* top_p, const uint32_t* seeds, const int32_t* positions);

/// out[j, :] = log_softmax(logits[rows[j], :]) for j < num_out.
Status sampling_log_softmax_rows(float* out, const float* logits, int64_t num_rows, int64_t vocab,
                                 const int32_t* rows, int64_t num_out);

/// For each of num_rows rows of `logprobs` [num_rows, vocab]: the logprob and rank (1 + the number
/// of strictly larger logprobs) of token_ids[token_index[j]], and the num_topk[j] (≤ max_k) largest
/// entries in descending order (ties by lower index) into top_ids / top_logprobs [num_rows, max_k];
/// unused slots get id -1 and -inf.
Status sampling_gather_logprobs(int32_t* top_ids, float* top_logprobs, int64_t max_k, float* token_logprob,
                                int32_t* token_rank, const float* logprobs, int64_t num_rows, int64_t vocab,
                                const int32_t* num_topk, const int32_t* token_ids, int64_t num_token_ids,
                                const int32_t* token_index);

/// Philox4x32-10 over n counters [n, 4] with keys [n, 2]: out [n, 4].
Status sampling_philox(uint32_t* out, const uint32_t* counters, const uint32_t* keys, int64_t n);

}  // namespace vllmts::cpu
