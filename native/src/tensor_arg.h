// Unwrapping and checking op operands. Every failure throws a typed error that names the op and
// the operand, e.g. "add: operand 'b' has shape [3, 5] but 'a' has shape [3, 4]".
#pragma once

#include <napi.h>

#include <initializer_list>
#include <string>

#include "common/dtype.h"
#include "cuda_device.h"
#include "device.h"
#include "shape.h"

namespace vllmts::native {

struct TensorArg {
  const char* op;
  const char* name;
  void* data;
  DType dtype;
  Shape shape;
  Device device;

  int64_t numel() const { return shape.numel(); }
  template <typename T>
  T* as() const { return static_cast<T*>(data); }
};

/// The tensor at info[index]; throws if it is not a tensor or has been disposed.
TensorArg tensor_arg(const Napi::CallbackInfo& info, size_t index, const char* op, const char* name);

/// Like tensor_arg, but undefined/null gives a TensorArg with data == nullptr.
TensorArg optional_tensor_arg(const Napi::CallbackInfo& info, size_t index, const char* op, const char* name);

double number_arg(const Napi::CallbackInfo& info, size_t index, const char* op, const char* name);
int64_t int_arg(const Napi::CallbackInfo& info, size_t index, const char* op, const char* name);
bool bool_arg(const Napi::CallbackInfo& info, size_t index, const char* op, const char* name);

void expect_dtype(Napi::Env env, const TensorArg& t, std::initializer_list<DType> allowed);
void expect_same_dtype(Napi::Env env, const TensorArg& a, const TensorArg& b);
void expect_same_shape(Napi::Env env, const TensorArg& a, const TensorArg& b);
void expect_same_device(Napi::Env env, const TensorArg& a, const TensorArg& b);
void expect_ndim(Napi::Env env, const TensorArg& t, int ndim);
void expect_numel(Napi::Env env, const TensorArg& t, int64_t numel);
void expect_dim(Napi::Env env, const TensorArg& t, int dim, int64_t size);
/// Throws an argument error "<op>: <message>".
[[noreturn]] void fail(Napi::Env env, const char* op, const std::string& message);

/// The stream to enqueue CUDA work on for tensors on `device` (sets the current device).
cudaStream_t stream_for(const Device& device);

}  // namespace vllmts::native
