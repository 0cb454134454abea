// A device or host allocation shared by a tensor and its views. The owning tensor can release it
// early (dispose), after which every view sees `released()` and refuses to be used.
//
// Device memory comes from the stream-ordered caching allocator (device_memory.h), so releasing
// never waits for the GPU. Host memory is plain (64-byte aligned) or, for swap space and staging,
// page-locked ("pinned") when CUDA is available, so copies to and from it run as DMA.
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

  /// Allocates page-locked host memory (cudaHostAlloc) when a CUDA device is present, and plain
  /// host memory otherwise; the tensor lives on the CPU either way.
  static std::shared_ptr<Storage> allocate_pinned(Napi::Env env, size_t bytes);

  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  /// Frees the memory now (or, while pinned, at the last unpin); later calls do nothing. Device
  /// memory is freed in stream order: work queued before still reads it, and nothing waits.
  void release();

  /// Keeps the memory alive while asynchronous work on another thread (a file read) writes it: a
  /// release requested meanwhile marks the storage released at once but frees at the last unpin.
  /// Main thread only.
  void pin() { ++pins_; }
  void unpin();

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }
  bool released() const { return released_; }
  bool pinned() const { return kind_ == Kind::kPinnedHost; }

 private:
  enum class Kind { kHost, kPinnedHost, kDevice };

  Storage(napi_env env, Device device, Kind kind, void* data, size_t bytes)
      : env_(env), device_(device), kind_(kind), data_(data), bytes_(bytes) {}

  void free_memory();

  napi_env env_;
  Device device_;
  Kind kind_;
  void* data_;
  size_t bytes_;
  bool released_ = false;
  int pins_ = 0;
};

}  // namespace vllmts::native
