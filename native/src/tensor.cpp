#include "tensor.h"

#include "addon_state.h"
#include "errors.h"

namespace vllmts::native {

Napi::Function NativeTensor::define(Napi::Env env) {
  Napi::Function cls = DefineClass(
      env, "NativeTensor",
      {
          InstanceAccessor<&NativeTensor::get_dtype>("dtype"),
          InstanceAccessor<&NativeTensor::get_shape>("shape"),
          InstanceAccessor<&NativeTensor::get_device_kind>("deviceKind"),
          InstanceAccessor<&NativeTensor::get_device_index>("deviceIndex"),
          InstanceAccessor<&NativeTensor::get_byte_offset>("byteOffset"),
          InstanceAccessor<&NativeTensor::get_nbytes>("nbytes"),
          InstanceAccessor<&NativeTensor::get_disposed>("disposed"),
          InstanceAccessor<&NativeTensor::get_is_owner>("isOwner"),
          InstanceMethod<&NativeTensor::view>("view"),
          InstanceMethod<&NativeTensor::address>("address"),
          InstanceMethod<&NativeTensor::dispose>("dispose"),
      });
  addon_state(env).tensor_class = Napi::Persistent(cls);
  return cls;
}

Napi::Object NativeTensor::create(Napi::Env env, std::shared_ptr<Storage> storage, int64_t byte_offset, DType dtype,
                                  const Shape& shape, bool owner) {
  // Constructed empty from JS' point of view, then filled in here: users cannot forge tensors.
  Napi::Object object = addon_state(env).tensor_class.New({});
  object.TypeTag(&kTypeTag);
  NativeTensor* tensor = Unwrap(object);
  tensor->storage_ = std::move(storage);
  tensor->byte_offset_ = byte_offset;
  tensor->dtype_ = dtype;
  tensor->shape_ = shape;
  tensor->owner_ = owner;
  return object;
}

NativeTensor::NativeTensor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeTensor>(info) {}

Napi::Value NativeTensor::get_dtype(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<int>(dtype_));
}
Napi::Value NativeTensor::get_shape(const Napi::CallbackInfo& info) { return shape_to_js(info.Env(), shape_); }
Napi::Value NativeTensor::get_device_kind(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), storage_ ? storage_->device().kind : 0);
}
Napi::Value NativeTensor::get_device_index(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), storage_ ? storage_->device().index : 0);
}
Napi::Value NativeTensor::get_byte_offset(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(byte_offset_));
}
Napi::Value NativeTensor::get_nbytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(nbytes()));
}
Napi::Value NativeTensor::get_disposed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), disposed());
}
Napi::Value NativeTensor::get_is_owner(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), owner_);
}

// view(byteOffset, dtype, shape): a tensor over this one's bytes starting `byteOffset` bytes in.
Napi::Value NativeTensor::view(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  if (disposed()) throw_error(env, ErrorKind::kDisposed, "view: the tensor has been disposed");
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber()) {
    throw_error(env, ErrorKind::kArgument, "view: expected (byteOffset, dtype, shape)");
  }
  const double offset = info[0].As<Napi::Number>().DoubleValue();
  const int dtype_code = info[1].As<Napi::Number>().Int32Value();
  if (dtype_code < 0 || dtype_code >= kNumDTypes) throw_error(env, ErrorKind::kArgument, "view: unknown dtype");
  const Shape shape = shape_from_js(env, info[2], "view");
  const DType dtype = static_cast<DType>(dtype_code);
  const int64_t start = byte_offset_ + static_cast<int64_t>(offset);
  const int64_t bytes = shape.numel() * dtype_size(dtype);
  if (offset < 0 || start % dtype_size(dtype) != 0) {
    throw_error(env, ErrorKind::kArgument, "view: byte offset " + std::to_string(static_cast<int64_t>(offset)) +
                                               " is negative or not aligned to " + dtype_name(dtype));
  }
  if (start + bytes > static_cast<int64_t>(storage_->bytes())) {
    throw_error(env, ErrorKind::kArgument,
                "view: " + std::to_string(bytes) + " bytes at offset " + std::to_string(start) +
                    " exceed the storage's " + std::to_string(storage_->bytes()) + " bytes");
  }
  return create(env, storage_, start, dtype, shape, false);
}

Napi::Value NativeTensor::address(const Napi::CallbackInfo& info) {
  if (disposed()) throw_error(info.Env(), ErrorKind::kDisposed, "address: the tensor has been disposed");
  return Napi::BigInt::New(info.Env(), static_cast<uint64_t>(reinterpret_cast<uintptr_t>(data())));
}

void NativeTensor::dispose(const Napi::CallbackInfo&) {
  if (storage_ == nullptr) return;
  if (owner_) storage_->release();
  storage_.reset();
}

}  // namespace vllmts::native
