#if defined(VLLM_TS_WITH_CUDA)

#include "cublaslt_gemm.h"

#include <array>
#include <map>
#include <mutex>
#include <vector>

#include "cublaslt_loader.h"

namespace vllmts::native {
namespace {

using namespace cublaslt_api;

// Plans beyond this many are dropped wholesale (a model touches a few dozen shapes).
constexpr size_t kMaxPlans = 2048;

struct Plan {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t a = nullptr;  // w as [k, n], column-major
  cublasLtMatrixLayout_t b = nullptr;  // x as [k, m]
  cublasLtMatrixLayout_t d = nullptr;  // out as [n, m]
  cublasLtMatmulAlgo_t algo{};
  bool usable = true;  // false once cublasLtMatmul refused the heuristic's algorithm for the exact shape
};

// device, m (bucket or exact), exact?, n, k, in, out, tf32?, and the three operands' alignments.
using PlanKey = std::array<int64_t, 11>;

std::mutex g_mutex;
std::map<PlanKey, Plan> g_plans;
std::vector<cublasLtHandle_t> g_handles;

cudaDataType_t data_type(DType dtype) {
  switch (dtype) {
    case DType::kFloat16: return CUDA_R_16F;
    case DType::kBFloat16: return CUDA_R_16BF;
    default: return CUDA_R_32F;
  }
}

// The largest power of two (up to 256, cuBLASLt's default assumption) dividing the address.
uint32_t alignment_of(const void* pointer) {
  const auto address = reinterpret_cast<uintptr_t>(pointer);
  uint32_t alignment = 256;
  while (alignment > 1 && address % alignment != 0) alignment >>= 1;
  return alignment;
}

int64_t round_up(int64_t value, int64_t step) { return (value + step - 1) / step * step; }

// Small batches (decode) get a plan each; larger ones share one per bucket, planned for its top.
int64_t m_bucket(int64_t m) {
  if (m <= 32) return m;
  if (m <= 256) return round_up(m, 16);
  if (m <= 2048) return round_up(m, 128);
  return round_up(m, 1024);
}

void destroy_plan(const CublasLt& lt, Plan& plan) {
  if (plan.a != nullptr) lt.layout_destroy(plan.a);
  if (plan.b != nullptr) lt.layout_destroy(plan.b);
  if (plan.d != nullptr) lt.layout_destroy(plan.d);
  if (plan.desc != nullptr) lt.desc_destroy(plan.desc);
  plan = Plan{};
}

cublasLtHandle_t handle_for(const CublasLt& lt, int device, std::string* detail) {
  if (g_handles.size() <= static_cast<size_t>(device)) g_handles.resize(device + 1, nullptr);
  if (g_handles[device] == nullptr) {
    const cublasStatus_t status = lt.create(&g_handles[device]);
    if (status != CUBLAS_STATUS_SUCCESS) {
      g_handles[device] = nullptr;
      *detail = "cublasLtCreate failed: " + lt.describe(status);
    }
  }
  return g_handles[device];
}

// One attribute setter call, skipped once an earlier one failed: descriptors are built as a chain.
template <typename Setter, typename Object, typename Value>
cublasStatus_t chain_set(cublasStatus_t status, Setter setter, Object object, int attribute, const Value& value) {
  return status == CUBLAS_STATUS_SUCCESS ? setter(object, attribute, &value, sizeof(value)) : status;
}

std::string shape_text(const LtGemm& g) {
  return "m=" + std::to_string(g.m) + " n=" + std::to_string(g.n) + " k=" + std::to_string(g.k) + ", " +
         dtype_name(g.in_dtype) + " -> " + dtype_name(g.out_dtype) + (g.accumulate ? ", accumulating" : "");
}

// Creates descriptors for `planned_m` rows and asks the heuristic for the best algorithm.
LtResult build_plan(const CublasLt& lt, cublasLtHandle_t handle, const LtGemm& g, int64_t planned_m, Plan* plan,
                    std::string* detail) {
  const bool tf32 = g.allow_tf32 && g.in_dtype == DType::kFloat32;
  cublasStatus_t s = lt.desc_create(&plan->desc, tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F, CUDA_R_32F);
  const int32_t trans_a = CUBLAS_OP_T;
  const int32_t trans_b = CUBLAS_OP_N;
  const uint32_t epilogue = CUBLASLT_EPILOGUE_DEFAULT;
  s = chain_set(s, lt.desc_set, plan->desc, CUBLASLT_MATMUL_DESC_TRANSA, trans_a);
  s = chain_set(s, lt.desc_set, plan->desc, CUBLASLT_MATMUL_DESC_TRANSB, trans_b);
  s = chain_set(s, lt.desc_set, plan->desc, CUBLASLT_MATMUL_DESC_EPILOGUE, epilogue);
  const cudaDataType_t in = data_type(g.in_dtype);
  const cudaDataType_t out = data_type(g.out_dtype);
  const auto u64 = [](int64_t v) { return static_cast<uint64_t>(v); };
  if (s == CUBLAS_STATUS_SUCCESS) s = lt.layout_create(&plan->a, in, u64(g.k), u64(g.n), g.k);
  if (s == CUBLAS_STATUS_SUCCESS) s = lt.layout_create(&plan->b, in, u64(g.k), u64(planned_m), g.k);
  if (s == CUBLAS_STATUS_SUCCESS) s = lt.layout_create(&plan->d, out, u64(g.n), u64(planned_m), g.n);
  if (s != CUBLAS_STATUS_SUCCESS) {
    *detail = "cannot describe the GEMM to cuBLASLt (" + shape_text(g) + "): " + lt.describe(s);
    destroy_plan(lt, *plan);
    return LtResult::kFailed;
  }

  cublasLtMatmulPreference_t pref = nullptr;
  s = lt.pref_create(&pref);
  const uint64_t workspace = g.workspace_bytes;
  const uint32_t align_a = alignment_of(g.w);
  const uint32_t align_b = alignment_of(g.x);
  const uint32_t align_d = alignment_of(g.out);
  s = chain_set(s, lt.pref_set, pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, workspace);
  // Split-K may add its partial sums only in fp32: the in-place and output-type schemes round each
  // partial to a 16-bit D (and, with beta = 1, the bias), which loses the single rounding the
  // reference makes.
  const uint32_t reductions = CUBLASLT_REDUCTION_SCHEME_COMPUTE_TYPE;
  s = chain_set(s, lt.pref_set, pref, CUBLASLT_MATMUL_PREF_REDUCTION_SCHEME_MASK, reductions);
  s = chain_set(s, lt.pref_set, pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, align_a);
  s = chain_set(s, lt.pref_set, pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, align_b);
  s = chain_set(s, lt.pref_set, pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, align_d);
  s = chain_set(s, lt.pref_set, pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, align_d);
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  if (s == CUBLAS_STATUS_SUCCESS) {
    s = lt.heuristic(handle, plan->desc, plan->a, plan->b, plan->d, plan->d, pref, 1, &result, &found);
  }
  if (pref != nullptr) lt.pref_destroy(pref);
  if (s != CUBLAS_STATUS_SUCCESS || found == 0 || result.state != CUBLAS_STATUS_SUCCESS) {
    *detail = "cuBLASLt has no algorithm for " + shape_text(g) + " (alignments x " + std::to_string(align_b) +
              ", w " + std::to_string(align_a) + ", out " + std::to_string(align_d) + " bytes)" +
              (s != CUBLAS_STATUS_SUCCESS ? ": " + lt.describe(s) : "");
    destroy_plan(lt, *plan);
    const bool unsupported =
        s == CUBLAS_STATUS_SUCCESS || s == CUBLAS_STATUS_NOT_SUPPORTED || s == CUBLAS_STATUS_INVALID_VALUE;
    return unsupported ? LtResult::kNoAlgorithm : LtResult::kFailed;
  }
  plan->algo = result.algo;
  return LtResult::kOk;
}

// The plan for this call, built on first use.
LtResult find_plan(const CublasLt& lt, cublasLtHandle_t handle, int device, const LtGemm& g, bool exact, Plan** out,
                   std::string* detail) {
  const int64_t planned_m = exact ? g.m : m_bucket(g.m);
  const PlanKey key = {device,
                       planned_m,
                       exact ? 1 : 0,
                       g.n,
                       g.k,
                       static_cast<int64_t>(g.in_dtype),
                       static_cast<int64_t>(g.out_dtype),
                       g.allow_tf32 ? 1 : 0,
                       alignment_of(g.x),
                       alignment_of(g.w),
                       alignment_of(g.out)};
  auto found = g_plans.find(key);
  if (found != g_plans.end()) {
    *out = &found->second;
    if (!found->second.usable) *detail = "cuBLASLt refused " + shape_text(g);
    return found->second.usable ? LtResult::kOk : LtResult::kNoAlgorithm;
  }
  if (g_plans.size() >= kMaxPlans) {
    for (auto& [unused, plan] : g_plans) destroy_plan(lt, plan);
    g_plans.clear();
  }
  Plan plan;
  const LtResult result = build_plan(lt, handle, g, planned_m, &plan, detail);
  if (result == LtResult::kNoAlgorithm) plan.usable = false;  // remembered: no heuristic query next time
  if (result != LtResult::kOk && result != LtResult::kNoAlgorithm) return result;
  *out = &g_plans.emplace(key, plan).first->second;
  return result;
}

cublasStatus_t run_plan(const CublasLt& lt, cublasLtHandle_t handle, Plan& plan, const LtGemm& g,
                        cudaStream_t stream) {
  const uint64_t m = static_cast<uint64_t>(g.m);
  cublasStatus_t s = chain_set(CUBLAS_STATUS_SUCCESS, lt.layout_set, plan.b, CUBLASLT_MATRIX_LAYOUT_COLS, m);
  s = chain_set(s, lt.layout_set, plan.d, CUBLASLT_MATRIX_LAYOUT_COLS, m);
  if (s != CUBLAS_STATUS_SUCCESS) return s;
  const float alpha = 1.0f;
  const float beta = g.accumulate ? 1.0f : 0.0f;  // C aliases D: read only when accumulating
  return lt.matmul(handle, plan.desc, &alpha, g.w, plan.a, g.x, plan.b, &beta, g.out, plan.d, g.out, plan.d,
                   &plan.algo, g.workspace, g.workspace_bytes, stream);
}

}  // namespace

bool cublaslt_supports(DType in, DType out) {
  const bool float_in = in == DType::kFloat32 || in == DType::kFloat16 || in == DType::kBFloat16;
  return float_in && (out == in || out == DType::kFloat32);
}

LtResult cublaslt_gemm(int device, const LtGemm& g, cudaStream_t stream, std::string* detail) {
  const CublasLt* lt = load_cublaslt(detail);
  if (lt == nullptr) return LtResult::kUnavailable;
  std::lock_guard<std::mutex> lock(g_mutex);
  cublasLtHandle_t handle = handle_for(*lt, device, detail);
  if (handle == nullptr) return LtResult::kFailed;
  Plan* plan = nullptr;
  LtResult result = find_plan(*lt, handle, device, g, false, &plan, detail);
  if (result != LtResult::kOk) return result;
  cublasStatus_t status = run_plan(*lt, handle, *plan, g, stream);
  const auto refused = [](cublasStatus_t s) {
    return s == CUBLAS_STATUS_NOT_SUPPORTED || s == CUBLAS_STATUS_INVALID_VALUE;
  };
  if (refused(status) && m_bucket(g.m) != g.m) {
    // The bucket's algorithm does not take this m: plan for the exact shape.
    result = find_plan(*lt, handle, device, g, true, &plan, detail);
    if (result != LtResult::kOk) return result;
    status = run_plan(*lt, handle, *plan, g, stream);
  }
  if (refused(status)) {
    // The heuristic offered an algorithm the call then refused (an alignment it did not account
    // for, say): remember that, and let the caller run the plain kernel, now and next time.
    plan->usable = false;
    *detail = "cublasLtMatmul refused " + shape_text(g) + ": " + lt->describe(status);
    return LtResult::kNoAlgorithm;
  }
  if (status != CUBLAS_STATUS_SUCCESS) {
    *detail = "cublasLtMatmul failed for " + shape_text(g) + ": " + lt->describe(status);
    return LtResult::kFailed;
  }
  return LtResult::kOk;
}

bool cublaslt_describe(std::string* path, size_t* version, std::string* reason) {
  const CublasLt* lt = load_cublaslt(reason);
  if (lt == nullptr) return false;
  *path = lt->path;
  *version = lt->version;
  return true;
}

}  // namespace vllmts::native

#endif
