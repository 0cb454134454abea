// Bindings for dense matrix multiplication: linear(out, x, weight, bias?) and the CPU GEMM
// micro-kernel selection used by tests and benchmarks.
#include "cpu/gemm.h"
#include "cuda_gemm.h"
#include "dense_args.h"
#include "dense_device.h"
#include "errors.h"
#include "registry.h"
#include "tensor_arg.h"

namespace vllmts::native {
namespace {

// linear(out, x, weight, bias?): out[..., N] = x[..., K] · weight[N, K]ᵀ (+ bias[N]).
void linear(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const TensorArg out = tensor_arg(info, 0, "linear", "out");
  const TensorArg x = tensor_arg(info, 1, "linear", "x");
  const TensorArg weight = tensor_arg(info, 2, "linear", "weight");
  const TensorArg bias = optional_tensor_arg(info, 3, "linear", "bias");
  for (const TensorArg* t : {&out, &x, &weight}) expect_dense_device(env, x, *t);
  expect_float(env, x);
  expect_same_dtype(env, x, weight);
  expect_min_ndim(env, x, 1);
  expect_ndim(env, weight, 2);
  const int64_t k = weight.shape[1];
  const int64_t n = weight.shape[0];
  expect_dim(env, x, -1, k);
  const int64_t m = rows_of(x);
  if (bias.data != nullptr) {
    expect_dense_device(env, x, bias);
    expect_same_dtype(env, weight, bias);
    expect_ndim(env, bias, 1);
    expect_dim(env, bias, 0, n);
  }
  if (out.dtype != x.dtype && out.dtype != DType::kFloat32) {
    fail(env, "linear", "operand 'out' has dtype " + std::string(dtype_name(out.dtype)) + "; expected x's dtype (" +
                            dtype_name(x.dtype) + ") or float32");
  }
  expect_min_ndim(env, out, 1);
  expect_dim(env, out, -1, n);
  expect_numel(env, out, m * n);
  expect_no_overlap(env, out, x);
  expect_no_overlap(env, out, weight);
  expect_no_overlap(env, out, bias);
  if (x.device.kind == Device::kCuda) {  // cuBLASLt (ops.linear sends CUDA tensors to cublasLinear first)
    check_status(env, "linear", cuda_linear(out, x, weight, bias.data != nullptr ? &bias : nullptr),
                 cuda_gemm_last_error());
    return;
  }
  const cpu::GemmArgs args{x.data, x.dtype, weight.data, weight.dtype, bias.data, bias.dtype,
                           out.data, out.dtype, m, n, k};
  check_status(env, "linear", cpu::gemm(args));
}

// gemmKernels(): { available: the CPU micro-kernels this machine can run, best first; active }.
Napi::Value gemm_kernels(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  Napi::Array names = Napi::Array::New(env);
  const char* active = cpu::gemm_kernel_name();
  for (const char* name : {"avx512bf16", "avx512", "avx2", "scalar"}) {
    if (cpu::gemm_select_kernel(name)) names.Set(names.Length(), name);
  }
  cpu::gemm_select_kernel(active);
  Napi::Object result = Napi::Object::New(env);
  result.Set("available", names);
  result.Set("active", active);
  return result;
}

// selectGemmKernel(name): "auto" or one of gemmKernels(); returns the kernel now in use.
Napi::Value select_gemm_kernel(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) fail(env, "selectGemmKernel", "argument 'name' must be a string");
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  if (!cpu::gemm_select_kernel(name.c_str())) {
    fail(env, "selectGemmKernel",
         "kernel '" + name + "' is unknown or not supported by this CPU; use \"auto\" or one of gemmKernels()");
  }
  return Napi::String::New(env, cpu::gemm_kernel_name());
}

void register_linear_ops(Napi::Env env, Napi::Object ops) {
  ops.Set("linear", Napi::Function::New<linear>(env, "linear"));
  ops.Set("gemmKernels", Napi::Function::New<gemm_kernels>(env, "gemmKernels"));
  ops.Set("selectGemmKernel", Napi::Function::New<select_gemm_kernel>(env, "selectGemmKernel"));
}

}  // namespace

VLLM_TS_OP_GROUP(linear, register_linear_ops);

}  // namespace vllmts::native
