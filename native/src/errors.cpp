#include "errors.h"

#include "addon_state.h"

namespace vllmts::native {
namespace {

void store(Napi::FunctionReference& slot, const Napi::Object& table, const char* key) {
  const Napi::Value value = table.Get(key);
  if (value.IsFunction()) slot = Napi::Persistent(value.As<Napi::Function>());
}

}  // namespace

void set_error_classes(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) {
    throw Napi::TypeError::New(env, "setErrorClasses expects an object of constructors");
  }
  const auto table = info[0].As<Napi::Object>();
  AddonState& state = addon_state(env);
  store(state.argument_error, table, "argument");
  store(state.disposed_error, table, "disposed");
  store(state.device_error, table, "device");
  store(state.out_of_memory_error, table, "outOfMemory");
}

void throw_error(Napi::Env env, ErrorKind kind, const std::string& message) {
  AddonState& state = addon_state(env);
  Napi::FunctionReference* ctor = nullptr;
  switch (kind) {
    case ErrorKind::kArgument: ctor = &state.argument_error; break;
    case ErrorKind::kDisposed: ctor = &state.disposed_error; break;
    case ErrorKind::kDevice: ctor = &state.device_error; break;
    case ErrorKind::kOutOfMemory: ctor = &state.out_of_memory_error; break;
  }
  if (ctor != nullptr && !ctor->IsEmpty()) {
    const Napi::Object error = ctor->New({Napi::String::New(env, message)});
    throw Napi::Error(env, error);
  }
  throw Napi::Error::New(env, message);
}

void check_status(Napi::Env env, const char* op, Status status, const std::string& detail) {
  if (status == Status::kOk) return;
  std::string message = std::string(op) + ": " + status_name(status);
  if (!detail.empty()) message += " (" + detail + ")";
  switch (status) {
    case Status::kOutOfMemory: throw_error(env, ErrorKind::kOutOfMemory, message);
    case Status::kDeviceError: throw_error(env, ErrorKind::kDevice, message);
    default: throw_error(env, ErrorKind::kArgument, message);
  }
}

}  // namespace vllmts::native
