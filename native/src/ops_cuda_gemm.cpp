// Bindings for cuBLASLt GEMMs on CUDA tensors: cublasLinear(out, x, weight, bias?), and the library's
// status (cublasInfo) and fp32 mode (setCublasTf32). The model's `linear` dispatches CUDA tensors to
// cuda_linear as well; this group lets the GPU suite check cuBLASLt against a CPU reference.
#include "cuda_gemm.h"
#include "dense_args.h"
#include "errors.h"
#include "registry.h"
#include "tensor_arg.h"

#if defined(VLLM_TS_WITH_CUDA)
#include "cublaslt_gemm.h"
#endif

namespace vllmts::native {
namespace {

// cublasLinear(out, x, weight, bias?): out[..., N] = x[..., K] · weight[N, K]ᵀ (+ bias[N]).
void cublas_linear(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* op = "cublasLinear";
  const TensorArg out = tensor_arg(info, 0, op, "out");
  const TensorArg x = tensor_arg(info, 1, op, "x");
  const TensorArg w = tensor_arg(info, 2, op, "weight");
  const TensorArg bias = optional_tensor_arg(info, 3, op, "bias");
  const bool has_bias = info.Length() > 3 && !info[3].IsUndefined() && !info[3].IsNull();
  if (x.device.kind != Device::kCuda) {
    fail(env, op,
         "operand 'x' is on " + x.device.name() + "; cuBLASLt runs on CUDA tensors (ops.linear covers the CPU)");
  }
  expect_same_device(env, x, out);
  expect_same_device(env, x, w);
  if (has_bias) expect_same_device(env, x, bias);
  for (const TensorArg* t : {&out, &x, &w}) expect_dtype(env, *t, {DType::kFloat32, DType::kFloat16, DType::kBFloat16});
  if (has_bias) expect_dtype(env, bias, {DType::kFloat32, DType::kFloat16, DType::kBFloat16});
  expect_ndim(env, w, 2);
  const int64_t n = w.shape[0];
  const int64_t k = w.shape[1];
  if (x.shape.ndim < 1) fail(env, op, "operand 'x' must have at least one dimension");
  expect_dim(env, x, -1, k);
  int64_t m = 1;
  for (int i = 0; i + 1 < x.shape.ndim; ++i) m *= x.shape[i];
  if (out.shape.ndim < 1) fail(env, op, "operand 'out' must have at least one dimension");
  expect_dim(env, out, -1, n);
  expect_numel(env, out, m * n);
  if (has_bias) {
    expect_ndim(env, bias, 1);
    expect_dim(env, bias, 0, n);
  }
  expect_no_overlap(env, out, x);
  expect_no_overlap(env, out, w);
  if (has_bias) expect_no_overlap(env, out, bias);
  const Status status = cuda_linear(out, x, w, has_bias ? &bias : nullptr);
  check_status(env, op, status, cuda_gemm_last_error());
}

// cublasInfo() → { loaded, path?, version?, reason?, fallbackGemms, allowTf32 }
Napi::Value cublas_info(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  result.Set("fallbackGemms", Napi::Number::New(env, static_cast<double>(cuda_gemm_fallback_count())));
  result.Set("allowTf32", Napi::Boolean::New(env, cuda_gemm_allow_tf32()));
#if defined(VLLM_TS_WITH_CUDA)
  std::string path;
  std::string reason;
  size_t version = 0;
  const bool loaded = cublaslt_describe(&path, &version, &reason);
  result.Set("loaded", Napi::Boolean::New(env, loaded));
  if (loaded) {
    result.Set("path", Napi::String::New(env, path));
    result.Set("version", Napi::Number::New(env, static_cast<double>(version)));
  } else {
    result.Set("reason", Napi::String::New(env, reason));
  }
#else
  result.Set("loaded", Napi::Boolean::New(env, false));
  result.Set("reason", Napi::String::New(env, "the native addon was built without CUDA"));
#endif
  return result;
}

// setCublasTf32(enabled): fp32 GEMMs may use tf32 tensor cores (about 1e-3 relative error).
void set_cublas_tf32(const Napi::CallbackInfo& info) {
  cuda_gemm_set_allow_tf32(bool_arg(info, 0, "setCublasTf32", "enabled"));
}

void register_cuda_gemm_ops(Napi::Env env, Napi::Object ops) {
  ops.Set("cublasLinear", Napi::Function::New<cublas_linear>(env, "cublasLinear"));
  ops.Set("cublasInfo", Napi::Function::New<cublas_info>(env, "cublasInfo"));
  ops.Set("setCublasTf32", Napi::Function::New<set_cublas_tf32>(env, "setCublasTf32"));
}

}  // namespace

VLLM_TS_OP_GROUP(cuda_gemm, register_cuda_gemm_ops);

}  // namespace vllmts::native
