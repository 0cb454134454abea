// The few cuBLASLt declarations this project uses, written here because the build machines have no
// cuBLAS headers: the library is opened with dlopen at run time (cublaslt_loader.h). Names follow
// cublasLt.h / cublas_api.h of CUDA 13 so code reads like NVIDIA's documentation; every numeric
// value is the one those headers define (they have been stable since CUDA 11.x). Only pointers to
// the opaque descriptors cross the boundary, so their sizes do not matter here.
#pragma once

#include <library_types.h>  // cudaDataType_t: part of the CUDA runtime headers, present everywhere

#include <cstddef>
#include <cstdint>

#include "cuda_device.h"  // cudaStream_t

namespace vllmts::native::cublaslt_api {

// cublas_api.h
using cublasStatus_t = int;
constexpr cublasStatus_t CUBLAS_STATUS_SUCCESS = 0;
constexpr cublasStatus_t CUBLAS_STATUS_NOT_INITIALIZED = 1;
constexpr cublasStatus_t CUBLAS_STATUS_ALLOC_FAILED = 3;
constexpr cublasStatus_t CUBLAS_STATUS_INVALID_VALUE = 7;
constexpr cublasStatus_t CUBLAS_STATUS_ARCH_MISMATCH = 8;
constexpr cublasStatus_t CUBLAS_STATUS_MAPPING_ERROR = 11;
constexpr cublasStatus_t CUBLAS_STATUS_EXECUTION_FAILED = 13;
constexpr cublasStatus_t CUBLAS_STATUS_INTERNAL_ERROR = 14;
constexpr cublasStatus_t CUBLAS_STATUS_NOT_SUPPORTED = 15;
constexpr cublasStatus_t CUBLAS_STATUS_LICENSE_ERROR = 16;

using cublasOperation_t = int32_t;
constexpr cublasOperation_t CUBLAS_OP_N = 0;
constexpr cublasOperation_t CUBLAS_OP_T = 1;

using cublasComputeType_t = int32_t;
constexpr cublasComputeType_t CUBLAS_COMPUTE_32F = 68;            // fp32 accumulation, exact fp32 inputs
constexpr cublasComputeType_t CUBLAS_COMPUTE_32F_FAST_TF32 = 77;  // fp32 accumulation, tf32 tensor cores

// cublasLt.h: opaque handles (only pointers are used)
struct cublasLtContext;
struct cublasLtMatmulDescOpaque;
struct cublasLtMatrixLayoutOpaque;
struct cublasLtMatmulPreferenceOpaque;
using cublasLtHandle_t = cublasLtContext*;
using cublasLtMatmulDesc_t = cublasLtMatmulDescOpaque*;
using cublasLtMatrixLayout_t = cublasLtMatrixLayoutOpaque*;
using cublasLtMatmulPreference_t = cublasLtMatmulPreferenceOpaque*;

// Semi-opaque: returned by the heuristic and passed back to cublasLtMatmul by pointer.
struct cublasLtMatmulAlgo_t {
  uint64_t data[8];
};

struct cublasLtMatmulHeuristicResult_t {
  cublasLtMatmulAlgo_t algo;
  size_t workspaceSize;
  cublasStatus_t state;
  float wavesCount;
  int reserved[4];
};
static_assert(sizeof(cublasLtMatmulHeuristicResult_t) == 96, "layout of cublasLtMatmulHeuristicResult_t");

// cublasLtMatmulDescAttributes_t
using cublasLtMatmulDescAttributes_t = int;
constexpr cublasLtMatmulDescAttributes_t CUBLASLT_MATMUL_DESC_TRANSA = 3;        // int32_t
constexpr cublasLtMatmulDescAttributes_t CUBLASLT_MATMUL_DESC_TRANSB = 4;        // int32_t
constexpr cublasLtMatmulDescAttributes_t CUBLASLT_MATMUL_DESC_EPILOGUE = 7;      // uint32_t
constexpr cublasLtMatmulDescAttributes_t CUBLASLT_MATMUL_DESC_BIAS_POINTER = 8;  // const void*

// cublasLtEpilogue_t
constexpr uint32_t CUBLASLT_EPILOGUE_DEFAULT = 1;
constexpr uint32_t CUBLASLT_EPILOGUE_BIAS = 4;  // bias[rows of D] broadcast over its columns

// cublasLtMatrixLayoutAttribute_t
using cublasLtMatrixLayoutAttribute_t = int;
constexpr cublasLtMatrixLayoutAttribute_t CUBLASLT_MATRIX_LAYOUT_ROWS = 2;  // uint64_t
constexpr cublasLtMatrixLayoutAttribute_t CUBLASLT_MATRIX_LAYOUT_COLS = 3;  // uint64_t

// cublasLtMatmulPreferenceAttributes_t
using cublasLtMatmulPreferenceAttributes_t = int;
constexpr cublasLtMatmulPreferenceAttributes_t CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES = 1;  // uint64_t
constexpr cublasLtMatmulPreferenceAttributes_t CUBLASLT_MATMUL_PREF_REDUCTION_SCHEME_MASK = 3;  // uint32_t
constexpr cublasLtMatmulPreferenceAttributes_t CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES = 5;  // uint32_t
constexpr cublasLtMatmulPreferenceAttributes_t CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES = 6;
constexpr cublasLtMatmulPreferenceAttributes_t CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES = 7;
constexpr cublasLtMatmulPreferenceAttributes_t CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES = 8;

// cublasLtReductionScheme_t (split-K): partial sums added in place in D, in compute type in the
// workspace, or in output type in the workspace.
constexpr uint32_t CUBLASLT_REDUCTION_SCHEME_INPLACE = 1;
constexpr uint32_t CUBLASLT_REDUCTION_SCHEME_COMPUTE_TYPE = 2;
constexpr uint32_t CUBLASLT_REDUCTION_SCHEME_OUTPUT_TYPE = 4;

// Function signatures, as in cublasLt.h (C linkage, default calling convention on Linux).
extern "C" {
using PFN_cublasLtCreate = cublasStatus_t (*)(cublasLtHandle_t* handle);
using PFN_cublasLtDestroy = cublasStatus_t (*)(cublasLtHandle_t handle);
using PFN_cublasLtGetVersion = size_t (*)();
using PFN_cublasLtGetStatusString = const char* (*)(cublasStatus_t status);
using PFN_cublasLtMatmulDescCreate = cublasStatus_t (*)(cublasLtMatmulDesc_t* desc, cublasComputeType_t compute,
                                                        cudaDataType_t scale_type);
using PFN_cublasLtMatmulDescDestroy = cublasStatus_t (*)(cublasLtMatmulDesc_t desc);
using PFN_cublasLtMatmulDescSetAttribute = cublasStatus_t (*)(cublasLtMatmulDesc_t desc,
                                                              cublasLtMatmulDescAttributes_t attr, const void* buf,
                                                              size_t size);
using PFN_cublasLtMatrixLayoutCreate = cublasStatus_t (*)(cublasLtMatrixLayout_t* layout, cudaDataType_t type,
                                                          uint64_t rows, uint64_t cols, int64_t ld);
using PFN_cublasLtMatrixLayoutDestroy = cublasStatus_t (*)(cublasLtMatrixLayout_t layout);
using PFN_cublasLtMatrixLayoutSetAttribute = cublasStatus_t (*)(cublasLtMatrixLayout_t layout,
                                                                cublasLtMatrixLayoutAttribute_t attr,
                                                                const void* buf, size_t size);
using PFN_cublasLtMatmulPreferenceCreate = cublasStatus_t (*)(cublasLtMatmulPreference_t* pref);
using PFN_cublasLtMatmulPreferenceDestroy = cublasStatus_t (*)(cublasLtMatmulPreference_t pref);
using PFN_cublasLtMatmulPreferenceSetAttribute = cublasStatus_t (*)(cublasLtMatmulPreference_t pref,
                                                                    cublasLtMatmulPreferenceAttributes_t attr,
                                                                    const void* buf, size_t size);
using PFN_cublasLtMatmulAlgoGetHeuristic = cublasStatus_t (*)(
    cublasLtHandle_t handle, cublasLtMatmulDesc_t desc, cublasLtMatrixLayout_t a, cublasLtMatrixLayout_t b,
    cublasLtMatrixLayout_t c, cublasLtMatrixLayout_t d, cublasLtMatmulPreference_t pref, int requested,
    cublasLtMatmulHeuristicResult_t* results, int* returned);
using PFN_cublasLtMatmul = cublasStatus_t (*)(cublasLtHandle_t handle, cublasLtMatmulDesc_t desc, const void* alpha,
                                              const void* a, cublasLtMatrixLayout_t a_desc, const void* b,
                                              cublasLtMatrixLayout_t b_desc, const void* beta, const void* c,
                                              cublasLtMatrixLayout_t c_desc, void* d, cublasLtMatrixLayout_t d_desc,
                                              const cublasLtMatmulAlgo_t* algo, void* workspace,
                                              size_t workspace_bytes, cudaStream_t stream);
}

}  // namespace vllmts::native::cublaslt_api
