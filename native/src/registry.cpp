#include "registry.h"

#include <utility>
#include <vector>

namespace vllmts::native {
namespace {

// A function-local static, so groups registering during static initialisation find it built.
std::vector<std::pair<const char*, OpGroupRegistrar>>& groups() {
  static std::vector<std::pair<const char*, OpGroupRegistrar>> list;
  return list;
}

}  // namespace

OpGroup::OpGroup(const char* name, OpGroupRegistrar registrar) { groups().emplace_back(name, registrar); }

void register_op_groups(Napi::Env env, Napi::Object ops) {
  for (const auto& [name, registrar] : groups()) registrar(env, ops);
}

}  // namespace vllmts::native
