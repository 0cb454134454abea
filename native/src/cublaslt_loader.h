// cuBLASLt, opened with dlopen on first use and never linked: the machines that build the addon have
// no cuBLAS, and a CPU-only user of a CUDA build must not need it. CUDA builds only.
#pragma once

#if defined(VLLM_TS_WITH_CUDA)

#include <string>

#include "cublaslt_api.h"

namespace vllmts::native {

/// The library's entry points this project calls, resolved once.
struct CublasLt {
  std::string path;    // the name dlopen succeeded with
  size_t version = 0;  // cublasLtGetVersion(): major * 10000 + minor * 100 + patch
  cublaslt_api::PFN_cublasLtCreate create = nullptr;
  cublaslt_api::PFN_cublasLtDestroy destroy = nullptr;
  cublaslt_api::PFN_cublasLtGetVersion get_version = nullptr;
  cublaslt_api::PFN_cublasLtGetStatusString status_string = nullptr;
  cublaslt_api::PFN_cublasLtMatmulDescCreate desc_create = nullptr;
  cublaslt_api::PFN_cublasLtMatmulDescDestroy desc_destroy = nullptr;
  cublaslt_api::PFN_cublasLtMatmulDescSetAttribute desc_set = nullptr;
  cublaslt_api::PFN_cublasLtMatrixLayoutCreate layout_create = nullptr;
  cublaslt_api::PFN_cublasLtMatrixLayoutDestroy layout_destroy = nullptr;
  cublaslt_api::PFN_cublasLtMatrixLayoutSetAttribute layout_set = nullptr;
  cublaslt_api::PFN_cublasLtMatmulPreferenceCreate pref_create = nullptr;
  cublaslt_api::PFN_cublasLtMatmulPreferenceDestroy pref_destroy = nullptr;
  cublaslt_api::PFN_cublasLtMatmulPreferenceSetAttribute pref_set = nullptr;
  cublaslt_api::PFN_cublasLtMatmulAlgoGetHeuristic heuristic = nullptr;
  cublaslt_api::PFN_cublasLtMatmul matmul = nullptr;

  /// "CUBLAS_STATUS_NOT_SUPPORTED (15): the functionality requested is not supported".
  std::string describe(cublaslt_api::cublasStatus_t status) const;
};

/// The loaded library, or nullptr with `*error` saying what was tried and what to install.
/// $VLLM_TS_CUBLASLT (a path) is tried first, then libcublasLt.so.13, .so.12 and .so.
/// Thread-safe; the answer (success or failure) is computed once per process.
const CublasLt* load_cublaslt(std::string* error);

}  // namespace vllmts::native

#endif
