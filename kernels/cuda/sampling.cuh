// CUDA sampling kernels: the twins of cpu/sampling.h (same layouts and semantics), enqueued on
// `stream`, never syncing. Index contents cannot be checked without a sync, so entries whose row or
// token is out of range are skipped instead of rejected; token lists of keep_tokens must be sorted
// ascending (the CPU kernel checks that).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "common/status.h"

namespace vllmts::cuda {

Status sampling_mask_tokens(float* logits, int64_t num_rows, int64_t vocab, const int32_t* rows,
                            const int32_t* tokens, int64_t count, cudaStream_t stream);
Status sampling_add_bias(float* logits, int64_t num_rows, int64_t vocab, const int32_t* rows, const int32_t* tokens,
                         const float* bias, int64_t count, cudaStream_t stream);
Status sampling_keep_tokens(float* logits, int64_t num_rows, int64_t vocab, const int32_t* row_ids,
                            const int32_t* offsets, int64_t num_lists, const int32_t* tokens, int64_t count,
                            cudaStream_t stream);
Status sampling_apply_penalties(float* logits, int64_t num_rows, int64_t vocab, const int32_t* row_ids,
                                const int32_t* offsets, int64_t num_lists, const int32_t* tokens,
                                const int32_t* output_counts, int64_t count, const float* repetition,
                                const float* frequency, const float* presence, cudaStream_t stream);
Status sampling_apply_temperature(float* logits, int64_t num_rows, int64_t vocab, const float* temperature,
                                  cudaStream_t stream);
Status sampling_apply_min_p(float* logits, int64_t num_rows, int64_t vocab, const float* min_p,
                            cudaStream_t stream);
Status sampling_sample(int32_t* out, const float* logits, int64_t num_rows, int64_t vocab, const float* temperature,
                       const int32_t* top_k, const float* top_p, const uint32_t* seeds, const int32_t* positions,
                       cudaStream_t stream);
Status sampling_log_softmax_rows(float* out, const float* logits, int64_t num_rows, int64_t vocab,
                                 const int32_t* rows, int64_t num_out, cudaStream_t stream);
Status sampling_gather_logprobs(int32_t* top_ids, float* top_logprobs, int64_t max_k, float* token_logprob,
                                int32_t* token_rank, const float* logprobs, int64_t num_rows, int64_t vocab,
                                const int32_t* num_topk, const int32_t* token_ids, int64_t num_token_ids,
                                const int32_t* token_index, cudaStream_t stream);
Status sampling_philox(uint32_t* out, const uint32_t* counters, const uint32_t* keys, int64_t n,
                       cudaStream_t stream);

}  // namespace vllmts::cuda
