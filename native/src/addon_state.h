// Per-environment state of the addon (one per Node.js environment or worker thread).
#pragma once

#include <napi.h>

namespace vllmts::native {

struct AddonState {
  // Error constructors registered by TypeScript (errors.ts in @vllm-ts/cuda-kernels).
  Napi::FunctionReference argument_error;
  Napi::FunctionReference disposed_error;
  Napi::FunctionReference device_error;
  Napi::FunctionReference out_of_memory_error;
  // The native Tensor class, to create tensors from C++.
  Napi::FunctionReference tensor_class;
};

inline AddonState& addon_state(Napi::Env env) {
  auto* state = env.GetInstanceData<AddonState>();
  if (state == nullptr) {
    state = new AddonState();
    env.SetInstanceData(state);
  }
  return *state;
}

}  // namespace vllmts::native
