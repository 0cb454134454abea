#include "tensor_arg.h"

#include <cmath>

#include "errors.h"
#include "tensor.h"

namespace vllmts::native {
namespace {

std::string operand(const TensorArg& t) { return std::string("operand '") + t.name + "'"; }

}  // namespace

void fail(Napi::Env env, const char* op, const std::string& message) {
  throw_error(env, ErrorKind::kArgument, std::string(op) + ": " + message);
}

TensorArg tensor_arg(const Napi::CallbackInfo& info, size_t index, const char* op, const char* name) {
  const Napi::Env env = info.Env();
  const Napi::Value value = info[index];
  if (!value.IsObject() || !value.As<Napi::Object>().CheckTypeTag(&NativeTensor::kTypeTag)) {
    fail(env, op, std::string("operand '") + name + "' is not a tensor");
  }
  NativeTensor* tensor = NativeTensor::Unwrap(value.As<Napi::Object>());
  if (tensor->disposed()) {
    throw_error(env, ErrorKind::kDisposed, std::string(op) + ": operand '" + name + "' has been disposed");
  }
  return TensorArg{op, name, tensor->data(), tensor->dtype(), tensor->shape(), tensor->device()};
}

TensorArg optional_tensor_arg(const Napi::CallbackInfo& info, size_t index, const char* op, const char* name) {
  if (index >= info.Length() || info[index].IsUndefined() || info[index].IsNull()) {
    return TensorArg{op, name, nullptr, DType::kFloat32, Shape{}, Device{}};
  }
  return tensor_arg(info, index, op, name);
}

double number_arg(const Napi::CallbackInfo& info, size_t index, const char* op, const char* name) {
  if (index >= info.Length() || !info[index].IsNumber()) {
    fail(info.Env(), op, std::string("argument '") + name + "' must be a number");
  }
  return info[index].As<Napi::Number>().DoubleValue();
}

int64_t int_arg(const Napi::CallbackInfo& info, size_t index, const char* op, const char* name) {
  const double value = number_arg(info, index, op, name);
  if (std::floor(value) != value) fail(info.Env(), op, std::string("argument '") + name + "' must be an integer");
  return static_cast<int64_t>(value);
}

bool bool_arg(const Napi::CallbackInfo& info, size_t index, const char* op, const char* name) {
  if (index >= info.Length() || !info[index].IsBoolean()) {
    fail(info.Env(), op, std::string("argument '") + name + "' must be a boolean");
  }
  return info[index].As<Napi::Boolean>().Value();
}

void expect_dtype(Napi::Env env, const TensorArg& t, std::initializer_list<DType> allowed) {
  for (DType dtype : allowed) {
    if (t.dtype == dtype) return;
  }
  std::string names;
  for (DType dtype : allowed) names += (names.empty() ? "" : ", ") + std::string(dtype_name(dtype));
  fail(env, t.op, operand(t) + " has dtype " + dtype_name(t.dtype) + "; expected one of " + names);
}

void expect_same_dtype(Napi::Env env, const TensorArg& a, const TensorArg& b) {
  if (a.dtype != b.dtype) {
    fail(env, a.op, operand(b) + " has dtype " + dtype_name(b.dtype) + " but '" + a.name + "' has dtype " +
                        dtype_name(a.dtype));
  }
}

void expect_same_shape(Napi::Env env, const TensorArg& a, const TensorArg& b) {
  if (!(a.shape == b.shape)) {
    fail(env, a.op, operand(b) + " has shape " + b.shape.str() + " but '" + a.name + "' has shape " + a.shape.str());
  }
}

void expect_same_device(Napi::Env env, const TensorArg& a, const TensorArg& b) {
  if (a.device != b.device) {
    fail(env, a.op, operand(b) + " is on " + b.device.name() + " but '" + a.name + "' is on " + a.device.name());
  }
}

void expect_ndim(Napi::Env env, const TensorArg& t, int ndim) {
  if (t.shape.ndim != ndim) {
    fail(env, t.op, operand(t) + " must have " + std::to_string(ndim) + " dimensions, got shape " + t.shape.str());
  }
}

void expect_numel(Napi::Env env, const TensorArg& t, int64_t numel) {
  if (t.numel() != numel) {
    fail(env, t.op, operand(t) + " must have " + std::to_string(numel) + " elements, got shape " + t.shape.str());
  }
}

void expect_dim(Napi::Env env, const TensorArg& t, int dim, int64_t size) {
  const int axis = dim < 0 ? t.shape.ndim + dim : dim;
  if (axis < 0 || axis >= t.shape.ndim || t.shape.dims[axis] != size) {
    fail(env, t.op, operand(t) + " must have size " + std::to_string(size) + " in dimension " + std::to_string(dim) +
                        ", got shape " + t.shape.str());
  }
}

cudaStream_t stream_for(const Device& device) {
  if (device.kind != Device::kCuda) return nullptr;
  cuda_device::set_device(device.index);
  return cuda_device::stream(device.index);
}

}  // namespace vllmts::native
