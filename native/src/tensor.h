// The native tensor handle behind @vllm-ts/cuda-kernels' Tensor: a (storage, byte offset, dtype,
// contiguous shape) tuple. Views share the storage; the owner's dispose() frees it for all.
#pragma once

#include <napi.h>

#include <memory>

#include "common/dtype.h"
#include "device.h"
#include "shape.h"
#include "storage.h"

namespace vllmts::native {

class NativeTensor : public Napi::ObjectWrap<NativeTensor> {
 public:
  static Napi::Function define(Napi::Env env);

  /// Tags every tensor object so operands are recognised without a prototype walk.
  static constexpr napi_type_tag kTypeTag = {0x766c6c6d2d74732dULL, 0x74656e736f722e31ULL};

  /// Wraps a storage in a new JS tensor object.
  static Napi::Object create(Napi::Env env, std::shared_ptr<Storage> storage, int64_t byte_offset, DType dtype,
                             const Shape& shape, bool owner);

  explicit NativeTensor(const Napi::CallbackInfo& info);

  const std::shared_ptr<Storage>& storage() const { return storage_; }
  bool disposed() const { return storage_ == nullptr || storage_->released(); }
  void* data() const { return static_cast<char*>(storage_->data()) + byte_offset_; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  Device device() const { return storage_->device(); }
  int64_t nbytes() const { return shape_.numel() * dtype_size(dtype_); }

 private:
  Napi::Value get_dtype(const Napi::CallbackInfo& info);
  Napi::Value get_shape(const Napi::CallbackInfo& info);
  Napi::Value get_device_kind(const Napi::CallbackInfo& info);
  Napi::Value get_device_index(const Napi::CallbackInfo& info);
  Napi::Value get_byte_offset(const Napi::CallbackInfo& info);
  Napi::Value get_nbytes(const Napi::CallbackInfo& info);
  Napi::Value get_disposed(const Napi::CallbackInfo& info);
  Napi::Value get_is_owner(const Napi::CallbackInfo& info);
  Napi::Value view(const Napi::CallbackInfo& info);
  Napi::Value address(const Napi::CallbackInfo& info);
  void dispose(const Napi::CallbackInfo& info);

  std::shared_ptr<Storage> storage_;
  int64_t byte_offset_ = 0;
  DType dtype_ = DType::kFloat32;
  Shape shape_;
  bool owner_ = false;
};

}  // namespace vllmts::native
