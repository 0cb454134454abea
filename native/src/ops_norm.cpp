// Bindings for normalisation over the last dimension: rmsNorm, fusedAddRmsNorm, layerNorm.
#include "cpu/norm.h"
#include "dense_args.h"
#include "dense_device.h"
#include "errors.h"
#include "registry.h"
#include "tensor_arg.h"

#if defined(VLLM_TS_WITH_CUDA)
#include "cuda/norm.cuh"
#endif

namespace vllmts::native {
namespace {

// x float (on the CPU or a GPU), ≥ 1-D with a non-empty last dimension; weight [hidden], float.
cpu::NormArgs norm_args(const Napi::CallbackInfo& info, const char* op, const TensorArg& x, const TensorArg& weight,
                        size_t eps_index, bool gemma) {
  const Napi::Env env = info.Env();
  expect_dense_device(env, x, x);
  expect_dense_device(env, x, weight);
  expect_float(env, x);
  expect_float(env, weight);
  expect_min_ndim(env, x, 1);
  if (last_dim(x) == 0) fail(env, op, "operand 'x' has an empty last dimension, got shape " + x.shape.str());
  expect_ndim(env, weight, 1);
  expect_dim(env, weight, 0, last_dim(x));
  const double eps = finite_arg(info, eps_index, op, "eps");
  if (eps < 0) fail(env, op, "argument 'eps' must not be negative, got " + format_number(eps));
  return cpu::NormArgs{rows_of(x), last_dim(x), x.dtype, weight.data, weight.dtype, static_cast<float>(eps), gemma};
}

// rmsNorm(out, x, weight, eps, gemma)
void rms_norm(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const TensorArg out = tensor_arg(info, 0, "rmsNorm", "out");
  const TensorArg x = tensor_arg(info, 1, "rmsNorm", "x");
  const TensorArg weight = tensor_arg(info, 2, "rmsNorm", "weight");
  const bool gemma = bool_arg(info, 4, "rmsNorm", "gemma");
  const cpu::NormArgs args = norm_args(info, "rmsNorm", x, weight, 3, gemma);
  expect_dense_device(env, x, out);
  expect_same_dtype(env, x, out);
  expect_same_shape(env, x, out);
  expect_in_place_or_disjoint(env, out, x);
  expect_no_overlap(env, out, weight);
  check_status(env, "rmsNorm", VLLM_TS_DENSE_DISPATCH(x.device, rms_norm, args, x.data, out.data));
}

// fusedAddRmsNorm(x, residual, weight, eps, gemma): residual += x; x = rmsNorm(residual).
void fused_add_rms_norm(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const TensorArg x = tensor_arg(info, 0, "fusedAddRmsNorm", "x");
  const TensorArg residual = tensor_arg(info, 1, "fusedAddRmsNorm", "residual");
  const TensorArg weight = tensor_arg(info, 2, "fusedAddRmsNorm", "weight");
  const bool gemma = bool_arg(info, 4, "fusedAddRmsNorm", "gemma");
  const cpu::NormArgs args = norm_args(info, "fusedAddRmsNorm", x, weight, 3, gemma);
  expect_dense_device(env, x, residual);
  expect_same_dtype(env, x, residual);
  expect_same_shape(env, x, residual);
  expect_no_overlap(env, x, residual);
  expect_no_overlap(env, x, weight);
  expect_no_overlap(env, residual, weight);
  check_status(env, "fusedAddRmsNorm",
               VLLM_TS_DENSE_DISPATCH(x.device, fused_add_rms_norm, args, x.data, residual.data));
}

// layerNorm(out, x, weight, bias?, eps)
void layer_norm(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const TensorArg out = tensor_arg(info, 0, "layerNorm", "out");
  const TensorArg x = tensor_arg(info, 1, "layerNorm", "x");
  const TensorArg weight = tensor_arg(info, 2, "layerNorm", "weight");
  const TensorArg bias = optional_tensor_arg(info, 3, "layerNorm", "bias");
  const cpu::NormArgs args = norm_args(info, "layerNorm", x, weight, 4, false);
  if (bias.data != nullptr) {
    expect_dense_device(env, x, bias);
    expect_float(env, bias);
    expect_same_shape(env, weight, bias);
  }
  expect_dense_device(env, x, out);
  expect_same_dtype(env, x, out);
  expect_same_shape(env, x, out);
  expect_in_place_or_disjoint(env, out, x);
  expect_no_overlap(env, out, weight);
  expect_no_overlap(env, out, bias);
  check_status(env, "layerNorm",
               VLLM_TS_DENSE_DISPATCH(x.device, layer_norm, args, x.data, bias.data, bias.dtype, out.data));
}

void register_norm_ops(Napi::Env env, Napi::Object ops) {
  ops.Set("rmsNorm", Napi::Function::New<rms_norm>(env, "rmsNorm"));
  ops.Set("fusedAddRmsNorm", Napi::Function::New<fused_add_rms_norm>(env, "fusedAddRmsNorm"));
  ops.Set("layerNorm", Napi::Function::New<layer_norm>(env, "layerNorm"));
}

}  // namespace

VLLM_TS_OP_GROUP(norm, register_norm_ops);

}  // namespace vllmts::native
