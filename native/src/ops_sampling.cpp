// Bindings for the sampling kernels (kernels/cpu/sampling.h documents the layouts). Every operand
// is checked here (dtype, rank, size, device). Index contents are checked by the CPU kernels before
// they write ("<op>: invalid argument (...)"); the CUDA kernels, which cannot read them without a
// sync, skip out-of-range entries.
#include "cpu/sampling.h"
#include "errors.h"
#include "registry.h"
#include "tensor_arg.h"

#if defined(VLLM_TS_WITH_CUDA)
#include "cuda/sampling.cuh"
// Runs the CUDA kernel for tensors on a GPU (on the device's stream), else the CPU kernel.
#define VLLM_TS_SAMPLING_DISPATCH(device, name, ...) \
  ((device).kind == Device::kCuda ? cuda::name(__VA_ARGS__, stream_for(device)) : cpu::name(__VA_ARGS__))
#else
#define VLLM_TS_SAMPLING_DISPATCH(device, name, ...) cpu::name(__VA_ARGS__)
#endif

namespace vllmts::native {
namespace {

// float32 logits [rows, vocab].
TensorArg logits_arg(const Napi::CallbackInfo& info, size_t index, const char* op, const char* name) {
  const TensorArg t = tensor_arg(info, index, op, name);
  expect_dtype(info.Env(), t, {DType::kFloat32});
  expect_ndim(info.Env(), t, 2);
  return t;
}

// A 1-D operand of `dtype` on the same device as `like`, with `numel` elements when numel >= 0.
TensorArg vector_arg(const Napi::CallbackInfo& info, size_t index, const char* op, const char* name, DType dtype,
                     const TensorArg& like, int64_t numel = -1) {
  const TensorArg t = tensor_arg(info, index, op, name);
  expect_dtype(info.Env(), t, {dtype});
  expect_ndim(info.Env(), t, 1);
  expect_same_device(info.Env(), like, t);
  if (numel >= 0) expect_numel(info.Env(), t, numel);
  return t;
}

const char* kCooRange = "every row must be in [0, rows) and every token id in [0, vocab)";
const char* kCsrRange =
    "row ids must be in [0, rows), offsets must start at 0, never decrease and end within the entries, and token ids "
    "must be in [0, vocab)";
const char* kSortedLists = "; each list must be sorted ascending";

// maskTokens(logits, rows, tokens): logits[rows[i], tokens[i]] = -inf.
void mask_tokens(const Napi::CallbackInfo& info) {
  const char* op = "maskTokens";
  const TensorArg logits = logits_arg(info, 0, op, "logits");
  const TensorArg rows = vector_arg(info, 1, op, "rows", DType::kInt32, logits);
  const TensorArg tokens = vector_arg(info, 2, op, "tokens", DType::kInt32, logits, rows.numel());
  const Status status = VLLM_TS_SAMPLING_DISPATCH(logits.device, sampling_mask_tokens, logits.as<float>(),
                                                  logits.shape[0], logits.shape[1], rows.as<int32_t>(),
                                                  tokens.as<int32_t>(), rows.numel());
  check_status(info.Env(), op, status, kCooRange);
}

// addTokenBias(logits, rows, tokens, bias): logits[rows[i], tokens[i]] += bias[i].
void add_token_bias(const Napi::CallbackInfo& info) {
  const char* op = "addTokenBias";
  const TensorArg logits = logits_arg(info, 0, op, "logits");
  const TensorArg rows = vector_arg(info, 1, op, "rows", DType::kInt32, logits);
  const TensorArg tokens = vector_arg(info, 2, op, "tokens", DType::kInt32, logits, rows.numel());
  const TensorArg bias = vector_arg(info, 3, op, "bias", DType::kFloat32, logits, rows.numel());
  const Status status = VLLM_TS_SAMPLING_DISPATCH(logits.device, sampling_add_bias, logits.as<float>(),
                                                  logits.shape[0], logits.shape[1], rows.as<int32_t>(),
                                                  tokens.as<int32_t>(), bias.as<float>(), rows.numel());
  check_status(info.Env(), op, status, kCooRange);
}

// keepTokens(logits, rowIds, offsets, tokens): listed rows keep only their listed tokens.
void keep_tokens(const Napi::CallbackInfo& info) {
  const char* op = "keepTokens";
  const TensorArg logits = logits_arg(info, 0, op, "logits");
  const TensorArg row_ids = vector_arg(info, 1, op, "rowIds", DType::kInt32, logits);
  const TensorArg offsets = vector_arg(info, 2, op, "offsets", DType::kInt32, logits, row_ids.numel() + 1);
  const TensorArg tokens = vector_arg(info, 3, op, "tokens", DType::kInt32, logits);
  const Status status = VLLM_TS_SAMPLING_DISPATCH(logits.device, sampling_keep_tokens, logits.as<float>(),
                                                  logits.shape[0], logits.shape[1], row_ids.as<int32_t>(),
                                                  offsets.as<int32_t>(), row_ids.numel(), tokens.as<int32_t>(),
                                                  tokens.numel());
  check_status(info.Env(), op, status, std::string(kCsrRange) + kSortedLists);
}

// applyPenalties(logits, rowIds, offsets, tokens, outputCounts, repetition, frequency, presence).
void apply_penalties(const Napi::CallbackInfo& info) {
  const char* op = "applyPenalties";
  const TensorArg logits = logits_arg(info, 0, op, "logits");
  const TensorArg row_ids = vector_arg(info, 1, op, "rowIds", DType::kInt32, logits);
  const int64_t lists = row_ids.numel();
  const TensorArg offsets = vector_arg(info, 2, op, "offsets", DType::kInt32, logits, lists + 1);
  const TensorArg tokens = vector_arg(info, 3, op, "tokens", DType::kInt32, logits);
  const TensorArg counts = vector_arg(info, 4, op, "outputCounts", DType::kInt32, logits, tokens.numel());
  const TensorArg repetition = vector_arg(info, 5, op, "repetition", DType::kFloat32, logits, lists);
  const TensorArg frequency = vector_arg(info, 6, op, "frequency", DType::kFloat32, logits, lists);
  const TensorArg presence = vector_arg(info, 7, op, "presence", DType::kFloat32, logits, lists);
  const Status status = VLLM_TS_SAMPLING_DISPATCH(
      logits.device, sampling_apply_penalties, logits.as<float>(), logits.shape[0], logits.shape[1],
      row_ids.as<int32_t>(), offsets.as<int32_t>(), lists, tokens.as<int32_t>(), counts.as<int32_t>(),
      tokens.numel(), repetition.as<float>(), frequency.as<float>(), presence.as<float>());
  check_status(info.Env(), op, status, std::string(kCsrRange) + "; output counts must be non-negative");
}

// applyTemperature(logits, temperature[rows]).
void apply_temperature(const Napi::CallbackInfo& info) {
  const char* op = "applyTemperature";
  const TensorArg logits = logits_arg(info, 0, op, "logits");
  const TensorArg temperature = vector_arg(info, 1, op, "temperature", DType::kFloat32, logits, logits.shape[0]);
  const Status status = VLLM_TS_SAMPLING_DISPATCH(logits.device, sampling_apply_temperature, logits.as<float>(),
                                                  logits.shape[0], logits.shape[1], temperature.as<float>());
  check_status(info.Env(), op, status);
}

// applyMinP(logits, minP[rows]).
void apply_min_p(const Napi::CallbackInfo& info) {
  const char* op = "applyMinP";
  const TensorArg logits = logits_arg(info, 0, op, "logits");
  const TensorArg min_p = vector_arg(info, 1, op, "minP", DType::kFloat32, logits, logits.shape[0]);
  const Status status = VLLM_TS_SAMPLING_DISPATCH(logits.device, sampling_apply_min_p, logits.as<float>(),
                                                  logits.shape[0], logits.shape[1], min_p.as<float>());
  check_status(info.Env(), op, status);
}

// sampleTokens(out[rows], logits, temperature, topK, topP, seeds[rows, 2], positions).
void sample_tokens(const Napi::CallbackInfo& info) {
  const char* op = "sampleTokens";
  const Napi::Env env = info.Env();
  const TensorArg out = tensor_arg(info, 0, op, "out");
  const TensorArg logits = logits_arg(info, 1, op, "logits");
  const int64_t rows = logits.shape[0];
  expect_same_device(env, logits, out);
  expect_dtype(env, out, {DType::kInt32});
  expect_numel(env, out, rows);
  const TensorArg temperature = vector_arg(info, 2, op, "temperature", DType::kFloat32, logits, rows);
  const TensorArg top_k = vector_arg(info, 3, op, "topK", DType::kInt32, logits, rows);
  const TensorArg top_p = vector_arg(info, 4, op, "topP", DType::kFloat32, logits, rows);
  const TensorArg seeds = tensor_arg(info, 5, op, "seeds");
  expect_dtype(env, seeds, {DType::kInt32});
  expect_same_device(env, logits, seeds);
  expect_ndim(env, seeds, 2);
  expect_dim(env, seeds, 0, rows);
  expect_dim(env, seeds, 1, 2);
  const TensorArg positions = vector_arg(info, 6, op, "positions", DType::kInt32, logits, rows);
  if (rows > 0 && logits.shape[1] == 0) fail(env, op, "operand 'logits' has an empty vocabulary");
  const Status status = VLLM_TS_SAMPLING_DISPATCH(logits.device, sampling_sample, out.as<int32_t>(),
                                                  logits.as<float>(), rows, logits.shape[1], temperature.as<float>(),
                                                  top_k.as<int32_t>(), top_p.as<float>(), seeds.as<uint32_t>(),
                                                  positions.as<int32_t>());
  check_status(env, op, status);
}

// logSoftmaxRows(out[n, vocab], logits, rows[n]).
void log_softmax_rows(const Napi::CallbackInfo& info) {
  const char* op = "logSoftmaxRows";
  const Napi::Env env = info.Env();
  const TensorArg out = logits_arg(info, 0, op, "out");
  const TensorArg logits = logits_arg(info, 1, op, "logits");
  const TensorArg rows = vector_arg(info, 2, op, "rows", DType::kInt32, logits, out.shape[0]);
  expect_same_device(env, logits, out);
  expect_dim(env, out, 1, logits.shape[1]);
  const Status status = VLLM_TS_SAMPLING_DISPATCH(logits.device, sampling_log_softmax_rows, out.as<float>(),
                                                  logits.as<float>(), logits.shape[0], logits.shape[1],
                                                  rows.as<int32_t>(), rows.numel());
  check_status(env, op, status, "every row must be in [0, rows of 'logits')");
}

// gatherLogprobs(topIds[n, k], topLogprobs[n, k], tokenLogprob[n], tokenRank[n], logprobs[n, vocab],
//                numTopk[n], tokenIds[t], tokenIndex[n]).
void gather_logprobs(const Napi::CallbackInfo& info) {
  const char* op = "gatherLogprobs";
  const Napi::Env env = info.Env();
  const TensorArg top_ids = tensor_arg(info, 0, op, "topIds");
  const TensorArg top_logprobs = tensor_arg(info, 1, op, "topLogprobs");
  const TensorArg logprobs = logits_arg(info, 4, op, "logprobs");
  const int64_t rows = logprobs.shape[0];
  expect_dtype(env, top_ids, {DType::kInt32});
  expect_dtype(env, top_logprobs, {DType::kFloat32});
  expect_ndim(env, top_ids, 2);
  expect_dim(env, top_ids, 0, rows);
  expect_same_shape(env, top_ids, top_logprobs);
  expect_same_device(env, logprobs, top_ids);
  expect_same_device(env, logprobs, top_logprobs);
  const TensorArg token_logprob = vector_arg(info, 2, op, "tokenLogprob", DType::kFloat32, logprobs, rows);
  const TensorArg token_rank = vector_arg(info, 3, op, "tokenRank", DType::kInt32, logprobs, rows);
  const TensorArg num_topk = vector_arg(info, 5, op, "numTopk", DType::kInt32, logprobs, rows);
  const TensorArg token_ids = vector_arg(info, 6, op, "tokenIds", DType::kInt32, logprobs);
  const TensorArg token_index = vector_arg(info, 7, op, "tokenIndex", DType::kInt32, logprobs, rows);
  const Status status = VLLM_TS_SAMPLING_DISPATCH(
      logprobs.device, sampling_gather_logprobs, top_ids.as<int32_t>(), top_logprobs.as<float>(), top_ids.shape[1],
      token_logprob.as<float>(), token_rank.as<int32_t>(), logprobs.as<float>(), rows, logprobs.shape[1],
      num_topk.as<int32_t>(), token_ids.as<int32_t>(), token_ids.numel(), token_index.as<int32_t>());
  check_status(env, op, status,
               "numTopk must be in [0, columns of 'topIds'] and at most the vocabulary, tokenIndex in [0, length of "
               "'tokenIds'), and token ids in [0, vocab)");
}

// philox4x32(out[n, 4], counters[n, 4], keys[n, 2]): int32 tensors holding uint32 bit patterns.
void philox4x32(const Napi::CallbackInfo& info) {
  const char* op = "philox4x32";
  const Napi::Env env = info.Env();
  const TensorArg out = tensor_arg(info, 0, op, "out");
  const TensorArg counters = tensor_arg(info, 1, op, "counters");
  const TensorArg keys = tensor_arg(info, 2, op, "keys");
  for (const TensorArg* t : {&out, &counters, &keys}) {
    expect_dtype(env, *t, {DType::kInt32});
    expect_ndim(env, *t, 2);
    expect_same_device(env, out, *t);
  }
  expect_dim(env, out, 1, 4);
  expect_same_shape(env, out, counters);
  expect_dim(env, keys, 0, out.shape[0]);
  expect_dim(env, keys, 1, 2);
  const Status status = VLLM_TS_SAMPLING_DISPATCH(out.device, sampling_philox, out.as<uint32_t>(),
                                                  counters.as<uint32_t>(), keys.as<uint32_t>(), out.shape[0]);
  check_status(env, op, status);
}

void register_sampling_ops(Napi::Env env, Napi::Object ops) {
  ops.Set("maskTokens", Napi::Function::New<mask_tokens>(env, "maskTokens"));
  ops.Set("addTokenBias", Napi::Function::New<add_token_bias>(env, "addTokenBias"));
  ops.Set("keepTokens", Napi::Function::New<keep_tokens>(env, "keepTokens"));
  ops.Set("applyPenalties", Napi::Function::New<apply_penalties>(env, "applyPenalties"));
  ops.Set("applyTemperature", Napi::Function::New<apply_temperature>(env, "applyTemperature"));
  ops.Set("applyMinP", Napi::Function::New<apply_min_p>(env, "applyMinP"));
  ops.Set("sampleTokens", Napi::Function::New<sample_tokens>(env, "sampleTokens"));
  ops.Set("logSoftmaxRows", Napi::Function::New<log_softmax_rows>(env, "logSoftmaxRows"));
  ops.Set("gatherLogprobs", Napi::Function::New<gather_logprobs>(env, "gatherLogprobs"));
  ops.Set("philox4x32", Napi::Function::New<philox4x32>(env, "philox4x32"));
}

}  // namespace

VLLM_TS_OP_GROUP(sampling, register_sampling_ops);

}  // namespace vllmts::native
