// Operand checks shared by the dense op groups (linear, norms, rotary, activations, reductions,
// MoE, pooling), on top of tensor_arg.h. Each throws a typed error naming the op and operand.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

#include "tensor_arg.h"

namespace vllmts::native {

/// The dense kernels run on the CPU here; a CUDA operand gets an error saying so.
void expect_cpu(Napi::Env env, const TensorArg& t);

/// float32, bfloat16 or float16.
void expect_float(Napi::Env env, const TensorArg& t);

/// At least `ndim` dimensions.
void expect_min_ndim(Napi::Env env, const TensorArg& t, int ndim);

/// `out` must not share memory with `in` (ops that read `in` after writing `out` would see their
/// own output).
void expect_no_overlap(Napi::Env env, const TensorArg& out, const TensorArg& in);

/// `out` is either exactly `in` (same memory and dtype: an in-place op) or disjoint from it.
void expect_in_place_or_disjoint(Napi::Env env, const TensorArg& out, const TensorArg& in);

/// Elements in the last dimension (1 for a scalar).
inline int64_t last_dim(const TensorArg& t) { return t.shape.ndim == 0 ? 1 : t.shape[-1]; }

/// Rows when the tensor is viewed as [rows, last_dim]: the product of the leading dimensions.
inline int64_t rows_of(const TensorArg& t) {
  int64_t rows = 1;
  for (int i = 0; i + 1 < t.shape.ndim; ++i) rows *= t.shape.dims[i];
  return rows;
}

/// A number as JavaScript would print it (shortest round-trip form).
std::string format_number(double value);

/// A finite number argument.
double finite_arg(const Napi::CallbackInfo& info, size_t index, const char* op, const char* name);

}  // namespace vllmts::native
