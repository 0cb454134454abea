#include "cuda_gemm.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>
#include <vector>

#if defined(VLLM_TS_WITH_CUDA)
#include "cublaslt_gemm.h"
#include "cuda/elementwise.cuh"
#include "cuda/gemm_fallback.cuh"
#include "device_memory.h"
#endif

namespace vllmts::native {
namespace {

thread_local std::string t_last_error;
std::atomic<uint64_t> g_fallbacks{0};
std::atomic<bool> g_allow_tf32{false};

Status failure(Status status, std::string message) {
  t_last_error = std::move(message);
  return status;
}

bool is_float(DType dtype) {
  return dtype == DType::kFloat32 || dtype == DType::kFloat16 || dtype == DType::kBFloat16;
}

std::string named(const TensorArg& t) { return std::string("'") + t.name + "' " + t.shape.str(); }

#if defined(VLLM_TS_WITH_CUDA)

// Per-device buffers the GEMMs share: cuBLASLt's workspace, and the float32 scratch a biased GEMM
// with a 16-bit out accumulates into (a chunk of rows at a time).
struct DeviceBuffers {
  void* workspace = nullptr;
  size_t workspace_bytes = 0;
  void* scratch = nullptr;
  size_t scratch_bytes = 0;
};

constexpr size_t kScratchBytes = size_t{32} << 20;

std::mutex g_buffers_mutex;
std::vector<DeviceBuffers> g_buffers;

size_t workspace_setting() {
  const char* text = std::getenv("VLLM_TS_CUBLAS_WORKSPACE_MB");
  const long mib = text != nullptr ? std::strtol(text, nullptr, 10) : 0;
  return static_cast<size_t>(mib > 0 ? mib : 32) << 20;
}

// Makes `*buffer` hold at least `need` bytes. Growing allocates, which a CUDA graph capture
// cannot do: the first GEMM of each kind runs eagerly before capture.
Status ensure(int device, void** buffer, size_t* have, size_t need, const char* what) {
  if (*have >= need) return Status::kOk;
  void* fresh = nullptr;
  std::string message;
  const cudaError_t error = device_memory::allocate(device, need, &fresh, &message);
  if (error != cudaSuccess) {
    return failure(error == cudaErrorMemoryAllocation ? Status::kOutOfMemory : Status::kDeviceError,
                   std::string("cannot allocate the GEMM ") + what + ": " + message);
  }
  // Stream-ordered: GEMMs queued earlier still read the old buffer before it is reused.
  device_memory::release(device, *buffer, *have);
  *buffer = fresh;
  *have = need;
  return Status::kOk;
}

// out = x · wᵀ + bias with one rounding to a 16-bit out: cuBLASLt writes float32 rows into the
// scratch, and one pass adds the bias and casts. (cuBLASLt's BIAS epilogue gave wrong bf16 results
// at M = 40 on the H200, and with beta = 1 over a bf16 C its result was as far off as two roundings.)
LtResult biased_16bit_gemm(int device, DeviceBuffers& buffers, const CudaGemm& g, cudaStream_t stream, Status* status,
                           std::string* detail) {
  const int64_t row_bytes = g.n * static_cast<int64_t>(sizeof(float));
  const int64_t chunk = std::max<int64_t>(1, std::min<int64_t>(g.m, static_cast<int64_t>(kScratchBytes) / row_bytes));
  // Always the full size, so a later, larger M never allocates (which a graph capture cannot do).
  const size_t need = std::max(kScratchBytes, static_cast<size_t>(chunk * row_bytes));
  *status = ensure(device, &buffers.scratch, &buffers.scratch_bytes, need, "float32 scratch");
  if (*status != Status::kOk) return LtResult::kFailed;
  const int64_t x_row = g.k * dtype_size(g.x_dtype);
  const int64_t out_row = g.n * dtype_size(g.out_dtype);
  for (int64_t row = 0; row < g.m; row += chunk) {
    const int64_t rows = std::min(chunk, g.m - row);
    const LtGemm gemm{static_cast<const char*>(g.x) + row * x_row, g.w, buffers.scratch, g.x_dtype, DType::kFloat32,
                      rows, g.n, g.k, false, g_allow_tf32.load(), buffers.workspace, buffers.workspace_bytes};
    const LtResult result = cublaslt_gemm(device, gemm, stream, detail);
    if (result != LtResult::kOk) return result;
    *status = cuda::add_rows_cast(static_cast<const float*>(buffers.scratch), g.bias, g.bias_dtype,
                                  static_cast<char*>(g.out) + row * out_row, g.out_dtype, rows * g.n, g.n, stream);
    if (*status != Status::kOk) {
      *detail = std::string("cannot add the bias: ") + status_name(*status);
      return LtResult::kFailed;
    }
  }
  return LtResult::kOk;
}

// out = x · wᵀ (+ bias): without a bias, or into a float32 out (the bias broadcast into out first
// and accumulated with beta = 1, one fp32 rounding), a single cuBLASLt call.
LtResult plain_gemm(int device, const DeviceBuffers& buffers, const CudaGemm& g, cudaStream_t stream, Status* status,
                    std::string* detail) {
  if (g.bias != nullptr) {
    *status = cuda::broadcast_rows(g.bias, g.bias_dtype, g.out, g.out_dtype, g.m * g.n, g.n, stream);
    if (*status != Status::kOk) {
      *detail = std::string("cannot broadcast the bias: ") + status_name(*status);
      return LtResult::kFailed;
    }
  }
  const LtGemm gemm{g.x, g.w, g.out, g.x_dtype, g.out_dtype, g.m, g.n, g.k, g.bias != nullptr, g_allow_tf32.load(),
                    buffers.workspace, buffers.workspace_bytes};
  return cublaslt_gemm(device, gemm, stream, detail);
}

Status run_on_device(int device, const CudaGemm& g) {
  const cudaStream_t stream = stream_for(Device{Device::kCuda, device});
  if (g.x_dtype == g.w_dtype && cublaslt_supports(g.x_dtype, g.out_dtype) && g.k > 0) {
    std::lock_guard<std::mutex> lock(g_buffers_mutex);
    if (g_buffers.size() <= static_cast<size_t>(device)) g_buffers.resize(device + 1);
    DeviceBuffers& buffers = g_buffers[device];
    Status status = ensure(device, &buffers.workspace, &buffers.workspace_bytes, workspace_setting(), "workspace");
    if (status != Status::kOk) return status;
    std::string detail;
    const bool split = g.bias != nullptr && g.out_dtype != DType::kFloat32;
    status = Status::kDeviceError;  // what a cuBLASLt failure reports (the helpers set others)
    switch (split ? biased_16bit_gemm(device, buffers, g, stream, &status, &detail)
                  : plain_gemm(device, buffers, g, stream, &status, &detail)) {
      case LtResult::kOk: return Status::kOk;
      case LtResult::kNoAlgorithm: break;  // fall back below
      case LtResult::kUnavailable:
      case LtResult::kFailed:
        return failure(status == Status::kOk ? Status::kDeviceError : status, detail);
    }
  }
  g_fallbacks.fetch_add(1, std::memory_order_relaxed);
  const Status status = cuda::gemm_fallback(g.x, g.x_dtype, g.w, g.w_dtype, g.bias, g.bias_dtype, g.out, g.out_dtype,
                                            g.m, g.n, g.k, stream);
  if (status != Status::kOk) {
    return failure(status, std::string("the CUDA GEMM kernel failed to launch: ") + status_name(status));
  }
  return Status::kOk;
}

#endif

}  // namespace

Status cuda_linear(const TensorArg& out, const TensorArg& x, const TensorArg& w, const TensorArg* bias) {
  t_last_error.clear();
  for (const TensorArg* t : {&out, &x, &w, bias}) {
    if (t == nullptr) continue;
    if (t->device.kind != Device::kCuda || t->device != out.device) {
      return failure(Status::kInvalidArgument, "operands must be on one CUDA device; " + named(*t) + " is on " +
                                                   t->device.name() + ", 'out' on " + out.device.name());
    }
    if (!is_float(t->dtype)) {
      return failure(Status::kUnsupportedDType, named(*t) + " has dtype " + dtype_name(t->dtype) +
                                                    "; expected float32, float16 or bfloat16");
    }
  }
  if (w.shape.ndim != 2) return failure(Status::kInvalidArgument, "weight must be [N, K], got " + w.shape.str());
  const int64_t n = w.shape[0];
  const int64_t k = w.shape[1];
  if (x.shape.ndim < 1 || x.shape[-1] != k) {
    return failure(Status::kInvalidArgument, named(x) + " must end in K = " + std::to_string(k));
  }
  int64_t rows = 1;  // M: every dimension of x but the last
  for (int i = 0; i + 1 < x.shape.ndim; ++i) rows *= x.shape[i];
  if (out.shape.ndim < 1 || out.shape[-1] != n || out.numel() != rows * n) {
    return failure(Status::kInvalidArgument, named(out) + " must hold [" + std::to_string(rows) + ", " +
                                                 std::to_string(n) + "] for x " + x.shape.str());
  }
  if (bias != nullptr && (bias->shape.ndim != 1 || bias->shape[0] != n)) {
    return failure(Status::kInvalidArgument, named(*bias) + " must be [" + std::to_string(n) + "]");
  }
  const CudaGemm gemm{x.data,   x.dtype,   w.data, w.dtype, bias ? bias->data : nullptr, bias ? bias->dtype : out.dtype,
                      out.data, out.dtype, rows,   n,       k};
  return cuda_gemm(out.device.index, gemm);
}

Status cuda_gemm(int device, const CudaGemm& gemm) {
  t_last_error.clear();
  for (DType dtype : {gemm.x_dtype, gemm.w_dtype, gemm.out_dtype}) {
    if (!is_float(dtype)) return failure(Status::kUnsupportedDType, std::string("GEMM dtype ") + dtype_name(dtype));
  }
  if (gemm.bias != nullptr && !is_float(gemm.bias_dtype)) {
    return failure(Status::kUnsupportedDType, std::string("bias dtype ") + dtype_name(gemm.bias_dtype));
  }
  if (gemm.m < 0 || gemm.n < 0 || gemm.k < 0) return failure(Status::kInvalidArgument, "negative GEMM size");
  if (gemm.m == 0 || gemm.n == 0) return Status::kOk;
#if defined(VLLM_TS_WITH_CUDA)
  try {
    return run_on_device(device, gemm);
  } catch (const std::exception& error) {  // cuda_device reports a broken device by throwing
    return failure(Status::kDeviceError, error.what());
  }
#else
  (void)device;
  return failure(Status::kDeviceError, "the native addon was built without CUDA");
#endif
}

const std::string& cuda_gemm_last_error() { return t_last_error; }

uint64_t cuda_gemm_fallback_count() { return g_fallbacks.load(std::memory_order_relaxed); }

void cuda_gemm_set_allow_tf32(bool allow) { g_allow_tf32.store(allow); }

bool cuda_gemm_allow_tf32() { return g_allow_tf32.load(); }

}  // namespace vllmts::native
