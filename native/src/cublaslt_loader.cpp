#if defined(VLLM_TS_WITH_CUDA)

#include "cublaslt_loader.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <vector>

namespace vllmts::native {
namespace {

struct LoadResult {
  CublasLt api;
  bool ok = false;
  std::string error;
};

// Resolves one symbol into `slot`; records the first missing name.
template <typename Fn>
void resolve(void* library, const char* name, Fn* slot, std::string* missing) {
  *slot = reinterpret_cast<Fn>(dlsym(library, name));
  if (*slot == nullptr && missing->empty()) *missing = name;
}

bool bind(void* library, CublasLt* api, std::string* missing) {
  resolve(library, "cublasLtCreate", &api->create, missing);
  resolve(library, "cublasLtDestroy", &api->destroy, missing);
  resolve(library, "cublasLtGetVersion", &api->get_version, missing);
  resolve(library, "cublasLtGetStatusString", &api->status_string, missing);
  resolve(library, "cublasLtMatmulDescCreate", &api->desc_create, missing);
  resolve(library, "cublasLtMatmulDescDestroy", &api->desc_destroy, missing);
  resolve(library, "cublasLtMatmulDescSetAttribute", &api->desc_set, missing);
  resolve(library, "cublasLtMatrixLayoutCreate", &api->layout_create, missing);
  resolve(library, "cublasLtMatrixLayoutDestroy", &api->layout_destroy, missing);
  resolve(library, "cublasLtMatrixLayoutSetAttribute", &api->layout_set, missing);
  resolve(library, "cublasLtMatmulPreferenceCreate", &api->pref_create, missing);
  resolve(library, "cublasLtMatmulPreferenceDestroy", &api->pref_destroy, missing);
  resolve(library, "cublasLtMatmulPreferenceSetAttribute", &api->pref_set, missing);
  resolve(library, "cublasLtMatmulAlgoGetHeuristic", &api->heuristic, missing);
  resolve(library, "cublasLtMatmul", &api->matmul, missing);
  return missing->empty();
}

LoadResult load() {
  LoadResult result;
  std::vector<std::string> names;
  if (const char* override_path = std::getenv("VLLM_TS_CUBLASLT"); override_path && *override_path) {
    names.emplace_back(override_path);
  }
  // The CUDA 13 library first (what the GPU host has); 12 exposes the same entry points.
  names.insert(names.end(), {"libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so"});
  std::string tried;
  for (const std::string& name : names) {
    void* library = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (library == nullptr) {
      const char* why = dlerror();
      tried += (tried.empty() ? "" : "; ") + name + " (" + (why ? why : "not found") + ")";
      continue;
    }
    std::string missing;
    if (!bind(library, &result.api, &missing)) {
      tried += (tried.empty() ? "" : "; ") + name + " (no symbol " + missing + ")";
      dlclose(library);
      result.api = CublasLt{};
      continue;
    }
    result.api.path = name;
    result.api.version = result.api.get_version();
    result.ok = true;
    return result;
  }
  result.error = "cuBLASLt could not be loaded (tried " + tried +
                 "). Dense GEMMs on CUDA need NVIDIA's cuBLAS: install the CUDA toolkit's libcublasLt.so.13 "
                 "(or add its folder to LD_LIBRARY_PATH, or set VLLM_TS_CUBLASLT to its path)";
  return result;
}

}  // namespace

std::string CublasLt::describe(cublaslt_api::cublasStatus_t status) const {
  const char* text = status_string != nullptr ? status_string(status) : nullptr;
  return "cuBLAS status " + std::to_string(status) + (text ? std::string(": ") + text : std::string());
}

const CublasLt* load_cublaslt(std::string* error) {
  static std::once_flag once;
  static LoadResult result;
  std::call_once(once, [] { result = load(); });
  if (!result.ok) {
    if (error != nullptr) *error = result.error;
    return nullptr;
  }
  return &result.api;
}

}  // namespace vllmts::native

#endif
