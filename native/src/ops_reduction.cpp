// Bindings for row reductions over the last dimension: softmax, logSoftmax, argmax, topk.
#include <string>

#include "cpu/softmax.h"
#include "cpu/topk.h"
#include "dense_args.h"
#include "dense_device.h"
#include "errors.h"
#include "registry.h"
#include "tensor_arg.h"

#if defined(VLLM_TS_WITH_CUDA)
#include "cuda/softmax.cuh"
#include "cuda/topk.cuh"
#endif

namespace vllmts::native {
namespace {

void softmax_like(const Napi::CallbackInfo& info, const char* op, bool log) {
  const Napi::Env env = info.Env();
  const TensorArg out = tensor_arg(info, 0, op, "out");
  const TensorArg x = tensor_arg(info, 1, op, "x");
  expect_dense_device(env, x, out);
  expect_dense_device(env, x, x);
  expect_float(env, x);
  expect_float(env, out);
  expect_min_ndim(env, x, 1);
  expect_same_shape(env, x, out);
  expect_in_place_or_disjoint(env, out, x);
  check_status(env, op,
               VLLM_TS_DENSE_DISPATCH(x.device, softmax, x.data, x.dtype, out.data, out.dtype, rows_of(x), last_dim(x),
                                      log));
}

void softmax(const Napi::CallbackInfo& info) { softmax_like(info, "softmax", false); }
void log_softmax(const Napi::CallbackInfo& info) { softmax_like(info, "logSoftmax", true); }

// x: float, ≥ 1-D, with a non-empty last dimension.
void expect_rows(Napi::Env env, const TensorArg& x) {
  expect_dense_device(env, x, x);
  expect_float(env, x);
  expect_min_ndim(env, x, 1);
  if (last_dim(x) == 0) fail(env, x.op, "operand 'x' has an empty last dimension, got shape " + x.shape.str());
}

// argmax(out int32 [rows], x [rows, V])
void argmax(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const TensorArg out = tensor_arg(info, 0, "argmax", "out");
  const TensorArg x = tensor_arg(info, 1, "argmax", "x");
  expect_rows(env, x);
  expect_dense_device(env, x, out);
  expect_dtype(env, out, {DType::kInt32});
  expect_numel(env, out, rows_of(x));
  check_status(env, "argmax",
               VLLM_TS_DENSE_DISPATCH(x.device, argmax, x.data, x.dtype, rows_of(x), last_dim(x), out.as<int32_t>()));
}

// topk(values [rows, k], indices int32 [rows, k], x [rows, V])
void topk(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const TensorArg values = tensor_arg(info, 0, "topk", "values");
  const TensorArg indices = tensor_arg(info, 1, "topk", "indices");
  const TensorArg x = tensor_arg(info, 2, "topk", "x");
  expect_rows(env, x);
  expect_dense_device(env, x, values);
  expect_dense_device(env, x, indices);
  expect_float(env, values);
  expect_dtype(env, indices, {DType::kInt32});
  expect_min_ndim(env, values, 1);
  expect_same_shape(env, values, indices);
  const int64_t k = last_dim(values);
  if (k > last_dim(x)) {
    fail(env, "topk", "k = " + std::to_string(k) + " (the last dimension of 'values') exceeds the " +
                          std::to_string(last_dim(x)) + " entries of each row of 'x'");
  }
  expect_numel(env, values, rows_of(x) * k);
  expect_no_overlap(env, values, x);
  expect_no_overlap(env, indices, x);
  expect_no_overlap(env, values, indices);
  check_status(env, "topk",
               VLLM_TS_DENSE_DISPATCH(x.device, topk, x.data, x.dtype, rows_of(x), last_dim(x), k, values.data,
                                      values.dtype, indices.as<int32_t>()));
}

void register_reduction_ops(Napi::Env env, Napi::Object ops) {
  ops.Set("softmax", Napi::Function::New<softmax>(env, "softmax"));
  ops.Set("logSoftmax", Napi::Function::New<log_softmax>(env, "logSoftmax"));
  ops.Set("argmax", Napi::Function::New<argmax>(env, "argmax"));
  ops.Set("topk", Napi::Function::New<topk>(env, "topk"));
}

}  // namespace

VLLM_TS_OP_GROUP(reduction, register_reduction_ops);

}  // namespace vllmts::native
