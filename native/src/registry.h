// Registration of the addon's bindings. Core pieces register explicitly from addon.cpp; each op
// group (one ops_<group>.cpp file) registers itself with VLLM_TS_OP_GROUP, so adding a group
// touches no shared file.
#pragma once

#include <napi.h>

namespace vllmts::native {

void register_tensor_factories(Napi::Env env, Napi::Object exports);  // empty, fromHost, toHost, …
void register_backends(Napi::Env env, Napi::Object exports);          // backends, synchronize

using OpGroupRegistrar = void (*)(Napi::Env env, Napi::Object ops);

/// Adds a group's registrar to the list run at module load; used through VLLM_TS_OP_GROUP.
struct OpGroup {
  OpGroup(const char* name, OpGroupRegistrar registrar);
};

/// Runs every op group's registrar on the `ops` object.
void register_op_groups(Napi::Env env, Napi::Object ops);

}  // namespace vllmts::native

#define VLLM_TS_OP_GROUP(name, registrar) \
  static const ::vllmts::native::OpGroup vllm_ts_op_group_##name(#name, registrar)
