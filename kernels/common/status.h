// Kernels report failures as a status code; the binding layer turns them into typed JS errors.
#pragma once

namespace vllmts {

enum class Status : int {
  kOk = 0,
  kInvalidArgument = 1,
  kUnsupportedDType = 2,
  kOutOfMemory = 3,
  kDeviceError = 4,
};

inline const char* status_name(Status status) {
  switch (status) {
    case Status::kOk: return "ok";
    case Status::kInvalidArgument: return "invalid argument";
    case Status::kUnsupportedDType: return "unsupported dtype";
    case Status::kOutOfMemory: return "out of memory";
    case Status::kDeviceError: return "device error";
  }
  return "unknown status";
}

}  // namespace vllmts
