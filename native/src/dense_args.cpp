#include "dense_args.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/dtype.h"

namespace vllmts::native {
namespace {

std::string operand(const TensorArg& t) { return std::string("operand '") + t.name + "'"; }

}  // namespace

void expect_cpu(Napi::Env env, const TensorArg& t) {
  if (t.device.kind != Device::kCpu) {
    fail(env, t.op, operand(t) + " is on " + t.device.name() + ", but " + t.op +
                        " runs on the CPU in this build; move its operands to the CPU");
  }
}

void expect_float(Napi::Env env, const TensorArg& t) {
  expect_dtype(env, t, {DType::kFloat32, DType::kBFloat16, DType::kFloat16});
}

void expect_min_ndim(Napi::Env env, const TensorArg& t, int ndim) {
  if (t.shape.ndim < ndim) {
    fail(env, t.op, operand(t) + " must have at least " + std::to_string(ndim) + " dimension" +
                        (ndim == 1 ? "" : "s") + ", got shape " + t.shape.str());
  }
}

void expect_no_overlap(Napi::Env env, const TensorArg& out, const TensorArg& in) {
  if (in.data == nullptr || out.data == nullptr) return;
  const auto* out_begin = static_cast<const char*>(out.data);
  const auto* in_begin = static_cast<const char*>(in.data);
  const char* out_end = out_begin + out.numel() * dtype_size(out.dtype);
  const char* in_end = in_begin + in.numel() * dtype_size(in.dtype);
  if (out_begin < in_end && in_begin < out_end) {
    fail(env, out.op, operand(out) + " overlaps " + operand(in) + "; pass an output with its own memory");
  }
}

void expect_in_place_or_disjoint(Napi::Env env, const TensorArg& out, const TensorArg& in) {
  if (out.data == in.data && out.dtype == in.dtype && out.numel() == in.numel()) return;
  expect_no_overlap(env, out, in);
}

std::string format_number(double value) {
  char buffer[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  return buffer;
}

double finite_arg(const Napi::CallbackInfo& info, size_t index, const char* op, const char* name) {
  const double value = number_arg(info, index, op, name);
  if (!std::isfinite(value)) fail(info.Env(), op, std::string("argument '") + name + "' must be finite");
  return value;
}

}  // namespace vllmts::native
