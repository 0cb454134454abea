// Bindings for row lookups by int32 index: embedding, gatherRows, scatterRows.
#include <string>

#include "cpu/gather.h"
#include "dense_args.h"
#include "dense_device.h"
#include "errors.h"
#include "registry.h"
#include "tensor_arg.h"

#if defined(VLLM_TS_WITH_CUDA)
#include "cuda/gather.cuh"
#endif

namespace vllmts::native {
namespace {

// Bytes in one row along the first dimension.
int64_t row_bytes(const TensorArg& t) {
  const int64_t rows = t.shape.ndim == 0 ? 1 : t.shape[0];
  return rows == 0 ? 0 : t.numel() / rows * dtype_size(t.dtype);
}

// Same dtype and trailing shape (everything after the first dimension).
void expect_same_rows(Napi::Env env, const TensorArg& a, const TensorArg& b) {
  expect_same_dtype(env, a, b);
  bool same = a.shape.ndim == b.shape.ndim && a.shape.ndim >= 1;
  for (int i = 1; same && i < a.shape.ndim; ++i) same = a.shape.dims[i] == b.shape.dims[i];
  if (!same) {
    fail(env, a.op, std::string("operand '") + b.name + "' has shape " + b.shape.str() + ", whose rows do not match '" +
                        a.name + "' of shape " + a.shape.str());
  }
}

// int32 indices on the rows' device.
const int32_t* index_arg(Napi::Env env, const TensorArg& rows, const TensorArg& indices) {
  expect_dense_device(env, rows, indices);
  expect_dtype(env, indices, {DType::kInt32});
  return indices.as<int32_t>();
}

// Indices on a GPU cannot be read without a sync; the CUDA kernels handle bad ones (gather.cuh).
void check_range(Napi::Env env, const char* op, const TensorArg& indices, int64_t limit, const char* what) {
  if (indices.device.kind != Device::kCpu) return;
  const int32_t* values = indices.as<int32_t>();
  const int64_t bad = cpu::first_out_of_range(values, indices.numel(), limit);
  if (bad >= 0) {
    fail(env, op, std::string(what) + " " + std::to_string(values[bad]) + " at position " + std::to_string(bad) +
                      " of '" + indices.name + "' is out of range [0, " + std::to_string(limit) + ")");
  }
}

// dst row i = src row indices[i] on the operands' device.
Status gather(const TensorArg& src, const int32_t* indices, int64_t n, const TensorArg& dst) {
#if defined(VLLM_TS_WITH_CUDA)
  if (dst.device.kind == Device::kCuda) {
    const int64_t src_rows = src.shape.ndim == 0 ? 1 : src.shape[0];
    return cuda::gather_rows(src.data, row_bytes(src), src_rows, indices, n, dst.data, stream_for(dst.device));
  }
#endif
  return cpu::gather_rows(src.data, row_bytes(src), indices, n, dst.data);
}

// embedding(out, weight, ids): out[t] = weight[ids[t]].
void embedding(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const TensorArg out = tensor_arg(info, 0, "embedding", "out");
  const TensorArg weight = tensor_arg(info, 1, "embedding", "weight");
  const TensorArg ids = tensor_arg(info, 2, "embedding", "ids");
  expect_dense_device(env, weight, out);
  expect_dense_device(env, weight, weight);
  const int32_t* values = index_arg(env, weight, ids);
  expect_ndim(env, weight, 2);
  expect_same_dtype(env, weight, out);
  expect_min_ndim(env, out, 1);
  expect_dim(env, out, -1, weight.shape[1]);
  expect_numel(env, out, ids.numel() * weight.shape[1]);
  expect_no_overlap(env, out, weight);
  check_range(env, "embedding", ids, weight.shape[0], "token id");
  check_status(env, "embedding", gather(weight, values, ids.numel(), out));
}

// gatherRows(out, x, indices): out[i] = x[indices[i]] along the first dimension.
void gather_rows(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const TensorArg out = tensor_arg(info, 0, "gatherRows", "out");
  const TensorArg x = tensor_arg(info, 1, "gatherRows", "x");
  const TensorArg indices = tensor_arg(info, 2, "gatherRows", "indices");
  expect_dense_device(env, x, out);
  expect_dense_device(env, x, x);
  const int32_t* values = index_arg(env, x, indices);
  expect_same_rows(env, x, out);
  expect_dim(env, out, 0, indices.numel());
  expect_no_overlap(env, out, x);
  check_range(env, "gatherRows", indices, x.shape[0], "index");
  check_status(env, "gatherRows", gather(x, values, indices.numel(), out));
}

// scatterRows(out, x, indices): out[indices[i]] = x[i]; other rows of out are left as they are.
void scatter_rows(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const TensorArg out = tensor_arg(info, 0, "scatterRows", "out");
  const TensorArg x = tensor_arg(info, 1, "scatterRows", "x");
  const TensorArg indices = tensor_arg(info, 2, "scatterRows", "indices");
  expect_dense_device(env, out, out);
  expect_dense_device(env, out, x);
  const int32_t* values = index_arg(env, out, indices);
  expect_same_rows(env, out, x);
  expect_dim(env, x, 0, indices.numel());
  expect_no_overlap(env, out, x);
  check_range(env, "scatterRows", indices, out.shape[0], "index");
#if defined(VLLM_TS_WITH_CUDA)
  if (out.device.kind == Device::kCuda) {
    check_status(env, "scatterRows",
                 cuda::scatter_rows(x.data, row_bytes(x), values, indices.numel(), out.data, out.shape[0],
                                    stream_for(out.device)));
    return;
  }
#endif
  check_status(env, "scatterRows", cpu::scatter_rows(x.data, row_bytes(x), values, indices.numel(), out.data));
}

void register_embedding_ops(Napi::Env env, Napi::Object ops) {
  ops.Set("embedding", Napi::Function::New<embedding>(env, "embedding"));
  ops.Set("gatherRows", Napi::Function::New<gather_rows>(env, "gatherRows"));
  ops.Set("scatterRows", Napi::Function::New<scatter_rows>(env, "scatterRows"));
}

}  // namespace

VLLM_TS_OP_GROUP(embedding, register_embedding_ops);

}  // namespace vllmts::native
