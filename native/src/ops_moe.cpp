// Bindings for mixture-of-experts: moeRoute(topkWeights, topkIds, routerLogits, renormalize) and
// moeExperts(out, x, w13, w2, topkWeights, topkIds).
#include <string>

#include "cpu/gather.h"
#include "cpu/moe.h"
#include "cuda_moe.h"
#include "dense_args.h"
#include "dense_device.h"
#include "errors.h"
#include "registry.h"
#include "tensor_arg.h"

#if defined(VLLM_TS_WITH_CUDA)
#include "cuda/moe.cuh"
#endif

namespace vllmts::native {
namespace {

// topkWeights float32 [T, k] and topkIds int32 [T, k], on `like`'s device.
void expect_routing(Napi::Env env, const TensorArg& like, const TensorArg& weights, const TensorArg& ids,
                    int64_t tokens) {
  expect_dense_device(env, like, weights);
  expect_dense_device(env, like, ids);
  expect_dtype(env, weights, {DType::kFloat32});
  expect_dtype(env, ids, {DType::kInt32});
  expect_ndim(env, weights, 2);
  expect_dim(env, weights, 0, tokens);
  expect_same_shape(env, weights, ids);
  expect_no_overlap(env, weights, ids);
}

void moe_route(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const TensorArg weights = tensor_arg(info, 0, "moeRoute", "topkWeights");
  const TensorArg ids = tensor_arg(info, 1, "moeRoute", "topkIds");
  const TensorArg logits = tensor_arg(info, 2, "moeRoute", "routerLogits");
  const bool renormalize = bool_arg(info, 3, "moeRoute", "renormalize");
  expect_dense_device(env, logits, logits);
  expect_float(env, logits);
  expect_ndim(env, logits, 2);
  expect_routing(env, logits, weights, ids, logits.shape[0]);
  const int64_t experts = logits.shape[1];
  const int64_t k = weights.shape[1];
  if (k < 1 || k > experts) {
    fail(env, "moeRoute", "top-k (the last dimension of 'topkWeights') must be in [1, " + std::to_string(experts) +
                              "] (the experts of 'routerLogits'), got " + std::to_string(k));
  }
  check_status(env, "moeRoute",
               VLLM_TS_DENSE_DISPATCH(logits.device, moe_route, logits.data, logits.dtype, logits.shape[0], experts, k,
                                      renormalize, weights.as<float>(), ids.as<int32_t>()));
}

void moe_experts(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* op = "moeExperts";
  const TensorArg out = tensor_arg(info, 0, op, "out");
  const TensorArg x = tensor_arg(info, 1, op, "x");
  const TensorArg w13 = tensor_arg(info, 2, op, "w13");
  const TensorArg w2 = tensor_arg(info, 3, op, "w2");
  const TensorArg weights = tensor_arg(info, 4, op, "topkWeights");
  const TensorArg ids = tensor_arg(info, 5, op, "topkIds");
  for (const TensorArg* t : {&out, &x, &w13, &w2}) expect_dense_device(env, x, *t);
  expect_float(env, x);
  expect_ndim(env, x, 2);
  expect_same_dtype(env, x, out);
  expect_same_shape(env, x, out);
  expect_no_overlap(env, out, x);
  const int64_t tokens = x.shape[0];
  const int64_t hidden = x.shape[1];
  expect_float(env, w13);
  expect_same_dtype(env, w13, w2);
  expect_ndim(env, w13, 3);
  expect_ndim(env, w2, 3);
  const int64_t experts = w13.shape[0];
  if (w13.shape[1] % 2 != 0 || w13.shape[1] == 0) {
    fail(env, op, "operand 'w13' must be [experts, 2 * intermediate, hidden] (gate rows, then up rows), got shape " +
                      w13.shape.str());
  }
  const int64_t inter = w13.shape[1] / 2;
  expect_dim(env, w13, 2, hidden);
  expect_dim(env, w2, 0, experts);
  expect_dim(env, w2, 1, hidden);
  expect_dim(env, w2, 2, inter);
  expect_routing(env, x, weights, ids, tokens);
  const int64_t k = weights.shape[1];
  if (k < 1) fail(env, op, "operand 'topkWeights' must name at least one expert per token, got shape " + weights.shape.str());
  const int32_t* id_values = ids.as<int32_t>();
  // Ids on a GPU cannot be read without a sync: there, an id out of range matches no expert.
  const int64_t bad = x.device.kind == Device::kCpu ? cpu::first_out_of_range(id_values, ids.numel(), experts) : -1;
  if (bad >= 0) {
    fail(env, op, "expert id " + std::to_string(id_values[bad]) + " at position " + std::to_string(bad) +
                      " of 'topkIds' is out of range [0, " + std::to_string(experts) + ")");
  }
  const cpu::MoeArgs args{x.data,    x.dtype,  out.data, tokens,  hidden,
                          inter,     experts,  k,        w13.data, w2.data,
                          w13.dtype, weights.as<float>(), id_values};
  if (x.device.kind == Device::kCuda) {
    std::string detail;
    const Status status = cuda_moe_experts(x.device.index, args, &detail);
    check_status(env, op, status, detail);
    return;
  }
  check_status(env, op, cpu::moe_experts(args));
}

void register_moe_ops(Napi::Env env, Napi::Object ops) {
  ops.Set("moeRoute", Napi::Function::New<moe_route>(env, "moeRoute"));
  ops.Set("moeExperts", Napi::Function::New<moe_experts>(env, "moeExperts"));
}

}  // namespace

VLLM_TS_OP_GROUP(moe, register_moe_ops);

}  // namespace vllmts::native
