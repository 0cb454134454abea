// Bindings for pooling reductions: meanPool(out, x, startLoc) and l2Normalize(out, x).
#include <string>

#include "cpu/pooling.h"
#include "dense_args.h"
#include "dense_device.h"
#include "errors.h"
#include "registry.h"
#include "tensor_arg.h"

#if defined(VLLM_TS_WITH_CUDA)
#include "cuda/pooling.cuh"
#endif

namespace vllmts::native {
namespace {

// meanPool(out [S, H], x [T, H], startLoc int32 [S + 1])
void mean_pool(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const TensorArg out = tensor_arg(info, 0, "meanPool", "out");
  const TensorArg x = tensor_arg(info, 1, "meanPool", "x");
  const TensorArg start_loc = tensor_arg(info, 2, "meanPool", "startLoc");
  for (const TensorArg* t : {&out, &x, &start_loc}) expect_dense_device(env, x, *t);
  expect_float(env, x);
  expect_float(env, out);
  expect_ndim(env, x, 2);
  expect_ndim(env, out, 2);
  expect_dim(env, out, 1, x.shape[1]);
  expect_dtype(env, start_loc, {DType::kInt32});
  expect_ndim(env, start_loc, 1);
  expect_dim(env, start_loc, 0, out.shape[0] + 1);
  expect_no_overlap(env, out, x);
  const int32_t* loc = start_loc.as<int32_t>();
  const int64_t sequences = out.shape[0];
#if defined(VLLM_TS_WITH_CUDA)
  if (x.device.kind == Device::kCuda) {  // ranges on the GPU are clamped by the kernel (pooling.cuh)
    check_status(env, "meanPool",
                 cuda::mean_pool(x.data, x.dtype, x.shape[0], x.shape[1], loc, sequences, out.data, out.dtype,
                                 stream_for(x.device)));
    return;
  }
#endif
  const int64_t bad = cpu::first_bad_range(loc, sequences, x.shape[0]);
  if (bad >= 0) {
    const std::string where = "startLoc[" + std::to_string(bad) + "] = " + std::to_string(loc[bad]);
    fail(env, "meanPool",
         bad == 0 ? where + " must not be negative"
                  : where + " must exceed startLoc[" + std::to_string(bad - 1) + "] = " + std::to_string(loc[bad - 1]) +
                        " (no empty sequences) and be at most the " + std::to_string(x.shape[0]) + " rows of 'x'");
  }
  check_status(env, "meanPool", cpu::mean_pool(x.data, x.dtype, x.shape[1], loc, sequences, out.data, out.dtype));
}

// l2Normalize(out, x) over the last dimension.
void l2_normalize(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const TensorArg out = tensor_arg(info, 0, "l2Normalize", "out");
  const TensorArg x = tensor_arg(info, 1, "l2Normalize", "x");
  expect_dense_device(env, x, out);
  expect_dense_device(env, x, x);
  expect_float(env, x);
  expect_float(env, out);
  expect_min_ndim(env, x, 1);
  expect_same_shape(env, x, out);
  expect_in_place_or_disjoint(env, out, x);
  check_status(env, "l2Normalize",
               VLLM_TS_DENSE_DISPATCH(x.device, l2_normalize, x.data, x.dtype, out.data, out.dtype, rows_of(x),
                                      last_dim(x)));
}

void register_pooling_ops(Napi::Env env, Napi::Object ops) {
  ops.Set("meanPool", Napi::Function::New<mean_pool>(env, "meanPool"));
  ops.Set("l2Normalize", Napi::Function::New<l2_normalize>(env, "l2Normalize"));
}

}  // namespace

VLLM_TS_OP_GROUP(pooling, register_pooling_ops);

}  // namespace vllmts::native
