// A device or host allocation shared by a tensor and its views. The owning tensor can release it
// early (dispose), after which every view sees `released()` and refuses to be used.
#pragma once

#include <napi.h>

#include <cstddef>
#include <memory>

#include "device.h"

namespace vllmts::native {

class Storage {
 public:
  /// Allocates `bytes` on `device`; throws a typed out-of-memory or device error.
  static std::shared_ptr<Storage> allocate(Napi::Env env, Device device, size_t bytes);

  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  /// Frees the memory now; later calls do nothing.
  void release();

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }
  bool released() const { return released_; }

 private:
  Storage(napi_env env, Device device, void* data, size_t bytes)
      : env_(env), device_(device), data_(data), bytes_(bytes) {}

  napi_env env_;
  Device device_;
  void* data_;
  size_t bytes_;
  bool released_ = false;
};

}  // namespace vllmts::native
