// A tensor shape held inline (no heap), so unwrapping operands on every op call stays cheap.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

namespace vllmts::native {

struct Shape {
  static constexpr int kMaxDims = 8;
  int32_t ndim = 0;
  int64_t dims[kMaxDims] = {};

  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < ndim; ++i) n *= dims[i];
    return n;
  }
  int64_t operator[](int i) const { return dims[i < 0 ? ndim + i : i]; }
  bool operator==(const Shape& other) const {
    if (ndim != other.ndim) return false;
    for (int i = 0; i < ndim; ++i) {
      if (dims[i] != other.dims[i]) return false;
    }
    return true;
  }
  std::string str() const {
    std::string out = "[";
    for (int i = 0; i < ndim; ++i) out += (i ? ", " : "") + std::to_string(dims[i]);
    return out + "]";
  }
};

/// Reads a JS array of non-negative integers; throws a typed argument error naming `what`.
Shape shape_from_js(Napi::Env env, const Napi::Value& value, const char* what);

Napi::Array shape_to_js(Napi::Env env, const Shape& shape);

}  // namespace vllmts::native
