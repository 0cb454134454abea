// Typed errors thrown into JavaScript. TypeScript registers its error classes at load
// (setErrorClasses), so the addon throws the very classes users catch, and every message names the
// op and the operand at fault.
#pragma once

#include <napi.h>

#include <string>

#include "common/status.h"

namespace vllmts::native {

enum class ErrorKind { kArgument, kDisposed, kDevice, kOutOfMemory };

/// Stores the constructors passed from TypeScript: { argument, disposed, device, outOfMemory }.
void set_error_classes(const Napi::CallbackInfo& info);

/// Throws a JS error of the registered class for `kind` (a plain Error before registration).
[[noreturn]] void throw_error(Napi::Env env, ErrorKind kind, const std::string& message);

/// Throws the error matching a kernel's status, prefixed with the op's name; returns on kOk.
void check_status(Napi::Env env, const char* op, Status status, const std::string& detail = "");

}  // namespace vllmts::native
