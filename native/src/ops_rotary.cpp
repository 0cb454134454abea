// Binding for rotary position embedding: rotaryEmbedding(q, k?, positions, cosSinCache, headSize,
// rotaryDim, neox), in place on q and k.
#include <string>

#include "cpu/rotary.h"
#include "dense_args.h"
#include "dense_device.h"
#include "errors.h"
#include "registry.h"
#include "tensor_arg.h"

#if defined(VLLM_TS_WITH_CUDA)
#include "cuda/rotary.cuh"
#endif

namespace vllmts::native {
namespace {

constexpr const char* kOp = "rotaryEmbedding";

// Heads per token of q or k: [T, heads · headSize] or [T, heads, headSize], on positions' device.
int64_t heads_of(Napi::Env env, const TensorArg& positions, const TensorArg& t, int64_t tokens, int64_t head_size) {
  expect_dense_device(env, positions, t);
  if (t.shape.ndim != 2 && t.shape.ndim != 3) {
    fail(env, kOp, std::string("operand '") + t.name + "' must be [tokens, heads * headSize] or [tokens, heads, " +
                       "headSize], got shape " + t.shape.str());
  }
  expect_dim(env, t, 0, tokens);
  if (t.shape.ndim == 3) expect_dim(env, t, 2, head_size);
  const int64_t per_token = tokens == 0 ? 0 : t.numel() / tokens;
  if (tokens > 0 && per_token % head_size != 0) {
    fail(env, kOp, std::string("operand '") + t.name + "' has " + std::to_string(per_token) +
                       " values per token, not a multiple of headSize " + std::to_string(head_size));
  }
  return tokens == 0 ? 0 : per_token / head_size;
}

void rotary_embedding(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const TensorArg q = tensor_arg(info, 0, kOp, "q");
  const TensorArg k = optional_tensor_arg(info, 1, kOp, "k");
  const TensorArg positions = tensor_arg(info, 2, kOp, "positions");
  const TensorArg cache = tensor_arg(info, 3, kOp, "cosSinCache");
  const int64_t head_size = int_arg(info, 4, kOp, "headSize");
  const int64_t rotary_dim = int_arg(info, 5, kOp, "rotaryDim");
  const bool neox = bool_arg(info, 6, kOp, "neox");
  if (head_size <= 0) fail(env, kOp, "headSize must be positive, got " + std::to_string(head_size));
  if (rotary_dim <= 0 || rotary_dim % 2 != 0 || rotary_dim > head_size) {
    fail(env, kOp, "rotaryDim must be even and in (0, headSize = " + std::to_string(head_size) + "], got " +
                       std::to_string(rotary_dim));
  }
  expect_dense_device(env, positions, positions);
  expect_dtype(env, positions, {DType::kInt32, DType::kInt64});
  const int64_t tokens = positions.numel();
  expect_float(env, q);
  const int64_t q_heads = heads_of(env, positions, q, tokens, head_size);
  int64_t k_heads = 0;
  if (k.data != nullptr) {
    expect_same_dtype(env, q, k);
    k_heads = heads_of(env, positions, k, tokens, head_size);
    expect_no_overlap(env, q, k);
  }
  expect_dense_device(env, positions, cache);
  expect_dtype(env, cache, {DType::kFloat32});
  expect_ndim(env, cache, 2);
  expect_dim(env, cache, 1, rotary_dim);
  expect_no_overlap(env, q, cache);
  expect_no_overlap(env, k, cache);
  const int64_t max_positions = cache.shape[0];
  // Positions on a GPU cannot be read without a sync: the CUDA kernel skips bad ones instead.
  const int64_t bad = positions.device.kind == Device::kCpu
                          ? cpu::first_bad_position(positions.data, positions.dtype, tokens, max_positions)
                          : -1;
  if (bad >= 0) {
    const int64_t value = positions.dtype == DType::kInt64 ? positions.as<int64_t>()[bad] : positions.as<int32_t>()[bad];
    fail(env, kOp, "position " + std::to_string(value) + " at index " + std::to_string(bad) +
                       " is outside the cos/sin cache of " + std::to_string(max_positions) + " positions");
  }
  const cpu::RotaryArgs args{tokens, q_heads, k_heads, head_size, rotary_dim, neox, q.dtype, cache.as<float>(),
                             max_positions};
  check_status(env, kOp,
               VLLM_TS_DENSE_DISPATCH(q.device, rotary_embedding, args, positions.data, positions.dtype, q.data,
                                      k.data));
}

void register_rotary_ops(Napi::Env env, Napi::Object ops) {
  ops.Set("rotaryEmbedding", Napi::Function::New<rotary_embedding>(env, "rotaryEmbedding"));
}

}  // namespace

VLLM_TS_OP_GROUP(rotary, register_rotary_ops);

}  // namespace vllmts::native
