// The module's entry point: the Tensor class, factories, backends and every op group.
#include <napi.h>

#include "errors.h"
#include "registry.h"
#include "tensor.h"

namespace vllmts::native {
namespace {

Napi::Object init(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeTensor", NativeTensor::define(env));
  exports.Set("setErrorClasses", Napi::Function::New<set_error_classes>(env, "setErrorClasses"));
  register_tensor_factories(env, exports);
  register_backends(env, exports);

  Napi::Object ops = Napi::Object::New(env);
  register_op_groups(env, ops);
  exports.Set("ops", ops);
  return exports;
}

}  // namespace
}  // namespace vllmts::native

static Napi::Object InitVllmTs(Napi::Env env, Napi::Object exports) { return vllmts::native::init(env, exports); }

NODE_API_MODULE(vllm_ts, InitVllmTs)
