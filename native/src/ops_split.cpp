// Binding for column splits: splitColumns(x, out0, out1, …) copies consecutive column ranges of x
// [rows, Σ widths] into each out [rows, width] (a stacked projection's output into its parts).
#include <string>
#include <vector>

#include "cpu/split.h"
#include "dense_args.h"
#include "dense_device.h"
#include "errors.h"
#include "registry.h"
#include "tensor_arg.h"

#if defined(VLLM_TS_WITH_CUDA)
#include "cuda/split.cuh"
#endif

namespace vllmts::native {
namespace {

constexpr int kMaxParts = 4;
constexpr const char* kOutNames[kMaxParts] = {"out0", "out1", "out2", "out3"};

void split_columns(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const TensorArg x = tensor_arg(info, 0, "splitColumns", "x");
  const int num_parts = static_cast<int>(info.Length()) - 1;
  if (num_parts < 1 || num_parts > kMaxParts) {
    fail(env, "splitColumns", "takes 1 to " + std::to_string(kMaxParts) + " outputs, got " +
                                  std::to_string(num_parts < 0 ? 0 : num_parts));
  }
  expect_dense_device(env, x, x);
  expect_ndim(env, x, 2);
  const int64_t element = dtype_size(x.dtype);
  std::vector<ColumnPart> parts;
  int64_t columns = 0;
  for (int p = 0; p < num_parts; ++p) {
    const TensorArg out = tensor_arg(info, static_cast<size_t>(p) + 1, "splitColumns", kOutNames[p]);
    expect_dense_device(env, x, out);
    expect_same_dtype(env, x, out);
    expect_ndim(env, out, 2);
    expect_dim(env, out, 0, x.shape[0]);
    expect_no_overlap(env, out, x);
    parts.push_back({out.data, columns * element, out.shape[1] * element});
    columns += out.shape[1];
  }
  if (columns != x.shape[1]) {
    fail(env, "splitColumns", "the outputs' widths add up to " + std::to_string(columns) + ", but 'x' has " +
                                  std::to_string(x.shape[1]) + " columns");
  }
  const int64_t row_bytes = x.shape[1] * element;
#if defined(VLLM_TS_WITH_CUDA)
  if (x.device.kind == Device::kCuda) {
    check_status(env, "splitColumns",
                 cuda::split_columns(x.data, x.shape[0], row_bytes, parts.data(), num_parts, stream_for(x.device)));
    return;
  }
#endif
  check_status(env, "splitColumns", cpu::split_columns(x.data, x.shape[0], row_bytes, parts.data(), num_parts));
}

void register_split_ops(Napi::Env env, Napi::Object ops) {
  ops.Set("splitColumns", Napi::Function::New<split_columns>(env, "splitColumns"));
}

}  // namespace

VLLM_TS_OP_GROUP(split, register_split_ops);

}  // namespace vllmts::native
