#include "shape.h"

#include <cmath>

#include "errors.h"

namespace vllmts::native {

Shape shape_from_js(Napi::Env env, const Napi::Value& value, const char* what) {
  if (!value.IsArray()) throw_error(env, ErrorKind::kArgument, std::string(what) + ": shape must be an array");
  const auto array = value.As<Napi::Array>();
  if (array.Length() > static_cast<uint32_t>(Shape::kMaxDims)) {
    throw_error(env, ErrorKind::kArgument,
                std::string(what) + ": at most " + std::to_string(Shape::kMaxDims) + " dimensions are supported");
  }
  Shape shape;
  shape.ndim = static_cast<int32_t>(array.Length());
  for (uint32_t i = 0; i < array.Length(); ++i) {
    const Napi::Value dim = array.Get(i);
    const double d = dim.IsNumber() ? dim.As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 0) || std::floor(d) != d || d > 9.007199254740991e15) {
      throw_error(env, ErrorKind::kArgument,
                  std::string(what) + ": shape dimensions must be non-negative integers, got " +
                      dim.ToString().Utf8Value() + " at index " + std::to_string(i));
    }
    shape.dims[i] = static_cast<int64_t>(d);
  }
  return shape;
}

Napi::Array shape_to_js(Napi::Env env, const Shape& shape) {
  Napi::Array array = Napi::Array::New(env, shape.ndim);
  for (int i = 0; i < shape.ndim; ++i) array.Set(i, Napi::Number::New(env, static_cast<double>(shape.dims[i])));
  return array;
}

}  // namespace vllmts::native
