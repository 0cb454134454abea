#include "cuda_moe.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <vector>

#if defined(VLLM_TS_WITH_CUDA)
#include "cuda/activation.cuh"
#include "cuda/elementwise.cuh"
#include "cuda/moe.cuh"
#include "cuda_gemm.h"
#include "device_memory.h"
#include "tensor_arg.h"
#endif

namespace vllmts::native {

#if defined(VLLM_TS_WITH_CUDA)

namespace {

struct Workspace {
  void* ptr = nullptr;
  size_t bytes = 0;
};

std::mutex g_mutex;
std::vector<Workspace> g_workspaces;

size_t budget_bytes() {
  const char* text = std::getenv("VLLM_TS_MOE_WORKSPACE_MB");
  const long mib = text != nullptr ? std::strtol(text, nullptr, 10) : 0;
  return static_cast<size_t>(mib > 0 ? mib : 256) << 20;
}

// Sub-buffers start on 256-byte boundaries (vector loads, cuBLASLt's preferred alignment).
int64_t padded(int64_t bytes) { return (bytes + 255) / 256 * 256; }

// One chunk's buffers, carved from the workspace.
struct ChunkBuffers {
  char* gate_up;  // [rows, 2·inter], x's dtype
  char* act;      // [rows, inter]
  char* y;        // [rows, hidden]
  float* acc;     // [rows, hidden] float32
};

int64_t chunk_bytes(const cpu::MoeArgs& a, int64_t rows) {
  const int64_t size = dtype_size(a.dtype);
  return padded(rows * 2 * a.inter * size) + padded(rows * a.inter * size) + padded(rows * a.hidden * size) +
         padded(rows * a.hidden * 4);
}

ChunkBuffers carve(const cpu::MoeArgs& a, int64_t rows, void* base) {
  const int64_t size = dtype_size(a.dtype);
  char* at = static_cast<char*>(base);
  ChunkBuffers b{};
  b.gate_up = at;
  at += padded(rows * 2 * a.inter * size);
  b.act = at;
  at += padded(rows * a.inter * size);
  b.y = at;
  at += padded(rows * a.hidden * size);
  b.acc = reinterpret_cast<float*>(at);
  return b;
}

// Makes the device's workspace hold `need` bytes; the old one is released stream-ordered, after
// the work already queued on it.
Status ensure_workspace(int device, size_t need, void** out, std::string* detail) {
  if (g_workspaces.size() <= static_cast<size_t>(device)) g_workspaces.resize(device + 1);
  Workspace& ws = g_workspaces[device];
  if (ws.bytes < need) {
    void* fresh = nullptr;
    std::string message;
    const cudaError_t error = device_memory::allocate(device, need, &fresh, &message);
    if (error != cudaSuccess) {
      *detail = "cannot allocate the MoE workspace: " + message;
      return error == cudaErrorMemoryAllocation ? Status::kOutOfMemory : Status::kDeviceError;
    }
    if (ws.ptr != nullptr) device_memory::release(device, ws.ptr, ws.bytes);
    ws = Workspace{fresh, need};
  }
  *out = ws.ptr;
  return Status::kOk;
}

Status gemm(int device, const void* x, const void* w, DType w_dtype, void* out, DType dtype, int64_t m, int64_t n,
            int64_t k, std::string* detail) {
  const CudaGemm g{x, dtype, w, w_dtype, nullptr, dtype, out, dtype, m, n, k};
  const Status status = cuda_gemm(device, g);
  if (status != Status::kOk) *detail = cuda_gemm_last_error();
  return status;
}

Status kernel(Status status, const char* what, std::string* detail) {
  if (status != Status::kOk) *detail = std::string("the ") + what + " kernel failed: " + status_name(status);
  return status;
}

}  // namespace

Status cuda_moe_experts(int device, const cpu::MoeArgs& a, std::string* detail) {
  if (a.tokens < 0 || a.hidden <= 0 || a.inter <= 0 || a.experts <= 0 || a.top_k <= 0 || a.experts > INT32_MAX) {
    return Status::kInvalidArgument;
  }
  if (a.tokens == 0) return Status::kOk;
  const int64_t per_token = chunk_bytes(a, 1);
  const int64_t chunk = std::clamp<int64_t>(static_cast<int64_t>(budget_bytes()) / per_token, 1, a.tokens);
  std::lock_guard<std::mutex> lock(g_mutex);
  void* base = nullptr;
  Status status = ensure_workspace(device, static_cast<size_t>(chunk_bytes(a, chunk)), &base, detail);
  if (status != Status::kOk) return status;
  const cudaStream_t stream = stream_for(Device{Device::kCuda, device});
  const int64_t x_size = dtype_size(a.dtype);
  const int64_t w_size = dtype_size(a.w_dtype);
  for (int64_t first = 0; first < a.tokens; first += chunk) {
    const int64_t rows = std::min(chunk, a.tokens - first);
    const ChunkBuffers b = carve(a, chunk, base);
    const char* x = static_cast<const char*>(a.x) + first * a.hidden * x_size;
    const float* weights = a.weights + first * a.top_k;
    const int32_t* ids = a.ids + first * a.top_k;
    if (cudaMemsetAsync(b.acc, 0, static_cast<size_t>(rows * a.hidden * 4), stream) != cudaSuccess) {
      cudaGetLastError();
      *detail = "cannot clear the MoE accumulator";
      return Status::kDeviceError;
    }
    for (int64_t e = 0; e < a.experts; ++e) {
      const char* w13 = static_cast<const char*>(a.w13) + e * 2 * a.inter * a.hidden * w_size;
      const char* w2 = static_cast<const char*>(a.w2) + e * a.hidden * a.inter * w_size;
      status = gemm(device, x, w13, a.w_dtype, b.gate_up, a.dtype, rows, 2 * a.inter, a.hidden, detail);
      if (status != Status::kOk) return status;
      status = kernel(cuda::gated_activation(b.gate_up, b.act, a.dtype, rows, a.inter, cpu::Activation::kSilu, stream),
                      "SiLU-and-mul", detail);
      if (status != Status::kOk) return status;
      status = gemm(device, b.act, w2, a.w_dtype, b.y, a.dtype, rows, a.hidden, a.inter, detail);
      if (status != Status::kOk) return status;
      status = kernel(cuda::moe_accumulate(b.acc, b.y, a.dtype, rows, a.hidden, weights, ids, a.top_k,
                                           static_cast<int32_t>(e), stream),
                      "MoE accumulate", detail);
      if (status != Status::kOk) return status;
    }
    char* out = static_cast<char*>(a.out) + first * a.hidden * x_size;
    status = kernel(cuda::cast(b.acc, DType::kFloat32, out, a.dtype, rows * a.hidden, stream), "cast", detail);
    if (status != Status::kOk) return status;
  }
  return Status::kOk;
}

#else

Status cuda_moe_experts(int device, const cpu::MoeArgs& args, std::string* detail) {
  (void)device;
  (void)args;
  *detail = "the native addon was built without CUDA";
  return Status::kDeviceError;
}

#endif

}  // namespace vllmts::native
