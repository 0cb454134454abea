// Bindings for activations and simple elementwise ops: siluAndMul, geluAndMul, gelu, relu, silu,
// softcap, mul, scale. Unary ops may write in place (out is x) or into another float dtype.
#include "cpu/activation.h"
#include "dense_args.h"
#include "dense_device.h"
#include "errors.h"
#include "registry.h"
#include "tensor_arg.h"

#if defined(VLLM_TS_WITH_CUDA)
#include "cuda/activation.cuh"
#endif

namespace vllmts::native {
namespace {

struct Unary {
  TensorArg out;
  TensorArg x;
};

// out and x: float tensors of one shape on one device; out is x or disjoint from it.
Unary unary_args(const Napi::CallbackInfo& info, const char* op) {
  const Napi::Env env = info.Env();
  Unary u{tensor_arg(info, 0, op, "out"), tensor_arg(info, 1, op, "x")};
  expect_dense_device(env, u.x, u.out);
  expect_dense_device(env, u.x, u.x);
  expect_float(env, u.x);
  expect_float(env, u.out);
  expect_same_shape(env, u.x, u.out);
  expect_in_place_or_disjoint(env, u.out, u.x);
  return u;
}

// x [..., 2·I] → out [..., I], one dtype.
void gated(const Napi::CallbackInfo& info, const char* op, cpu::Activation act) {
  const Napi::Env env = info.Env();
  const TensorArg out = tensor_arg(info, 0, op, "out");
  const TensorArg x = tensor_arg(info, 1, op, "x");
  expect_dense_device(env, x, out);
  expect_dense_device(env, x, x);
  expect_float(env, x);
  expect_same_dtype(env, x, out);
  expect_min_ndim(env, x, 1);
  if (last_dim(x) % 2 != 0) {
    fail(env, op, "operand 'x' must have an even last dimension (gate and up halves), got shape " + x.shape.str());
  }
  const int64_t inner = last_dim(x) / 2;
  expect_min_ndim(env, out, 1);
  expect_dim(env, out, -1, inner);
  expect_numel(env, out, rows_of(x) * inner);
  expect_no_overlap(env, out, x);
  check_status(env, op,
               VLLM_TS_DENSE_DISPATCH(x.device, gated_activation, x.data, out.data, x.dtype, rows_of(x), inner, act));
}

void silu_and_mul(const Napi::CallbackInfo& info) { gated(info, "siluAndMul", cpu::Activation::kSilu); }

// geluAndMul(out, x, tanh)
void gelu_and_mul(const Napi::CallbackInfo& info) {
  const bool tanh = bool_arg(info, 2, "geluAndMul", "tanh");
  gated(info, "geluAndMul", tanh ? cpu::Activation::kGeluTanh : cpu::Activation::kGeluErf);
}

void unary(const Napi::CallbackInfo& info, const char* op, cpu::Activation act) {
  const Unary u = unary_args(info, op);
  check_status(info.Env(), op,
               VLLM_TS_DENSE_DISPATCH(u.x.device, activation, u.x.data, u.x.dtype, u.out.data, u.out.dtype,
                                      u.x.numel(), act));
}

// gelu(out, x, tanh)
void gelu(const Napi::CallbackInfo& info) {
  const bool tanh = bool_arg(info, 2, "gelu", "tanh");
  unary(info, "gelu", tanh ? cpu::Activation::kGeluTanh : cpu::Activation::kGeluErf);
}

void relu(const Napi::CallbackInfo& info) { unary(info, "relu", cpu::Activation::kRelu); }
void silu(const Napi::CallbackInfo& info) { unary(info, "silu", cpu::Activation::kSilu); }

// softcap(out, x, cap): cap · tanh(x / cap), cap > 0.
void softcap(const Napi::CallbackInfo& info) {
  const Unary u = unary_args(info, "softcap");
  const double cap = finite_arg(info, 2, "softcap", "cap");
  if (!(cap > 0)) fail(info.Env(), "softcap", "argument 'cap' must be positive, got " + format_number(cap));
  check_status(info.Env(), "softcap",
               VLLM_TS_DENSE_DISPATCH(u.x.device, softcap, u.x.data, u.x.dtype, u.out.data, u.out.dtype, u.x.numel(),
                                      static_cast<float>(cap)));
}

// scale(out, x, s)
void scale(const Napi::CallbackInfo& info) {
  const Unary u = unary_args(info, "scale");
  const double s = finite_arg(info, 2, "scale", "s");
  check_status(info.Env(), "scale",
               VLLM_TS_DENSE_DISPATCH(u.x.device, scale, u.x.data, u.x.dtype, u.out.data, u.out.dtype, u.x.numel(),
                                      static_cast<float>(s)));
}

// mul(out, a, b): b has a's shape or is one row of a's last dimension.
void mul(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const TensorArg out = tensor_arg(info, 0, "mul", "out");
  const TensorArg a = tensor_arg(info, 1, "mul", "a");
  const TensorArg b = tensor_arg(info, 2, "mul", "b");
  for (const TensorArg* t : {&out, &a, &b}) expect_dense_device(env, a, *t);
  expect_float(env, a);
  expect_same_dtype(env, a, b);
  expect_same_dtype(env, a, out);
  expect_same_shape(env, a, out);
  const bool row = b.shape.ndim == 1 && a.shape.ndim >= 1 && b.shape[0] == a.shape[-1];
  if (!row) expect_same_shape(env, a, b);
  expect_in_place_or_disjoint(env, out, a);
  expect_in_place_or_disjoint(env, out, b);
  check_status(env, "mul",
               VLLM_TS_DENSE_DISPATCH(a.device, mul, a.data, b.data, out.data, a.dtype, a.numel(), b.numel()));
}

void register_activation_ops(Napi::Env env, Napi::Object ops) {
  ops.Set("siluAndMul", Napi::Function::New<silu_and_mul>(env, "siluAndMul"));
  ops.Set("geluAndMul", Napi::Function::New<gelu_and_mul>(env, "geluAndMul"));
  ops.Set("gelu", Napi::Function::New<gelu>(env, "gelu"));
  ops.Set("relu", Napi::Function::New<relu>(env, "relu"));
  ops.Set("silu", Napi::Function::New<silu>(env, "silu"));
  ops.Set("softcap", Napi::Function::New<softcap>(env, "softcap"));
  ops.Set("scale", Napi::Function::New<scale>(env, "scale"));
  ops.Set("mul", Napi::Function::New<mul>(env, "mul"));
}

}  // namespace

VLLM_TS_OP_GROUP(activation, register_activation_ops);

}  // namespace vllmts::native
