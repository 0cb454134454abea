#include "cuda/gemm_fallback.cuh"
#include "cuda/launch.cuh"

namespace vllmts::cuda {
namespace {

constexpr int kTile = 16;
// gridDim.y is limited to 65535 blocks: taller problems are launched in slabs of rows.
constexpr int64_t kMaxRowsPerLaunch = int64_t{65535} * kTile;

__device__ __forceinline__ float load_float(const void* base, DType dtype, int64_t i) {
  switch (dtype) {
    case DType::kFloat16: return f16_to_f32(static_cast<const uint16_t*>(base)[i]);
    case DType::kBFloat16: return bf16_to_f32(static_cast<const uint16_t*>(base)[i]);
    default: return static_cast<const float*>(base)[i];
  }
}

__device__ __forceinline__ void store_float(void* base, DType dtype, int64_t i, float v) {
  switch (dtype) {
    case DType::kFloat16: static_cast<uint16_t*>(base)[i] = f32_to_f16(v); return;
    case DType::kBFloat16: static_cast<uint16_t*>(base)[i] = f32_to_bf16(v); return;
    default: static_cast<float*>(base)[i] = v; return;
  }
}

// One 16×16 output tile per block; x and w tiles staged through shared memory (padded by one
// column so the transposed read of w is free of bank conflicts).
__global__ void gemm_tile_kernel(const void* x, DType x_dtype, const void* w, DType w_dtype, const void* bias,
                                 DType bias_dtype, void* out, DType out_dtype, int64_t row0, int64_t m, int64_t n,
                                 int64_t k) {
  __shared__ float x_tile[kTile][kTile + 1];
  __shared__ float w_tile[kTile][kTile + 1];
  const int tx = threadIdx.x;
  const int ty = threadIdx.y;
  const int64_t row = row0 + int64_t{blockIdx.y} * kTile + ty;      // index into m
  const int64_t col = int64_t{blockIdx.x} * kTile + tx;             // index into n
  const int64_t w_row = int64_t{blockIdx.x} * kTile + ty;           // the w row this thread stages
  float acc = 0.0f;
  for (int64_t k0 = 0; k0 < k; k0 += kTile) {
    const int64_t kc = k0 + tx;
    x_tile[ty][tx] = row < m && kc < k ? load_float(x, x_dtype, row * k + kc) : 0.0f;
    w_tile[ty][tx] = w_row < n && kc < k ? load_float(w, w_dtype, w_row * k + kc) : 0.0f;
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kTile; ++kk) acc = fmaf(x_tile[ty][kk], w_tile[tx][kk], acc);
    __syncthreads();
  }
  if (row < m && col < n) {
    if (bias != nullptr) acc += load_float(bias, bias_dtype, col);
    store_float(out, out_dtype, row * n + col, acc);
  }
}

bool is_float(DType dtype) {
  return dtype == DType::kFloat32 || dtype == DType::kFloat16 || dtype == DType::kBFloat16;
}

}  // namespace

Status gemm_fallback(const void* x, DType x_dtype, const void* w, DType w_dtype, const void* bias, DType bias_dtype,
                     void* out, DType out_dtype, int64_t m, int64_t n, int64_t k, cudaStream_t stream) {
  if (m < 0 || n < 0 || k < 0) return Status::kInvalidArgument;
  if (!is_float(x_dtype) || !is_float(w_dtype) || !is_float(out_dtype) || (bias != nullptr && !is_float(bias_dtype))) {
    return Status::kUnsupportedDType;
  }
  if (m == 0 || n == 0) return Status::kOk;
  const dim3 block(kTile, kTile);
  for (int64_t row0 = 0; row0 < m; row0 += kMaxRowsPerLaunch) {
    const int64_t rows = m - row0 < kMaxRowsPerLaunch ? m - row0 : kMaxRowsPerLaunch;
    const dim3 grid(static_cast<unsigned>((n + kTile - 1) / kTile), static_cast<unsigned>((rows + kTile - 1) / kTile));
    gemm_tile_kernel<<<grid, block, 0, stream>>>(x, x_dtype, w, w_dtype, bias, bias_dtype, out, out_dtype, row0, m, n,
                                                 k);
    const Status status = launch_status();
    if (status != Status::kOk) return status;
  }
  return Status::kOk;
}

}  // namespace vllmts::cuda
