#include "common/counter_hash.h"
#include "cuda/elementwise.cuh"
#include "cuda/launch.cuh"

namespace vllmts::cuda {
namespace {

__device__ __forceinline__ float load_float(const void* base, DType dtype, int64_t i) {
  switch (dtype) {
    case DType::kFloat32: return static_cast<const float*>(base)[i];
    case DType::kFloat16: return f16_to_f32(static_cast<const uint16_t*>(base)[i]);
    case DType::kBFloat16: return bf16_to_f32(static_cast<const uint16_t*>(base)[i]);
    case DType::kInt32: return static_cast<float>(static_cast<const int32_t*>(base)[i]);
    case DType::kInt64: return static_cast<float>(static_cast<const int64_t*>(base)[i]);
    case DType::kUInt8: return static_cast<float>(static_cast<const uint8_t*>(base)[i]);
    case DType::kFloat8E4M3: return fp8e4m3_to_f32(static_cast<const uint8_t*>(base)[i]);
  }
  return 0.0f;
}

__device__ __forceinline__ void store_float(void* base, DType dtype, int64_t i, float v) {
  switch (dtype) {
    case DType::kFloat32: static_cast<float*>(base)[i] = v; return;
    case DType::kFloat16: static_cast<uint16_t*>(base)[i] = f32_to_f16(v); return;
    case DType::kBFloat16: static_cast<uint16_t*>(base)[i] = f32_to_bf16(v); return;
    case DType::kInt32: static_cast<int32_t*>(base)[i] = static_cast<int32_t>(truncf(v)); return;
    case DType::kInt64: static_cast<int64_t*>(base)[i] = static_cast<int64_t>(truncf(v)); return;
    case DType::kUInt8: static_cast<uint8_t*>(base)[i] = static_cast<uint8_t>(truncf(v)); return;
    case DType::kFloat8E4M3: static_cast<uint8_t*>(base)[i] = f32_to_fp8e4m3(v); return;
  }
}

template <typename T>
__global__ void fill_kernel(T* out, int64_t numel, T pattern) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < numel; i += int64_t{gridDim.x} * blockDim.x) {
    out[i] = pattern;
  }
}

__global__ void fill_uniform_kernel(void* out, DType dtype, int64_t numel, float low, float high, uint64_t seed) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < numel; i += int64_t{gridDim.x} * blockDim.x) {
    store_float(out, dtype, i, fmaf(high - low, counter_uniform(seed, static_cast<uint64_t>(i)), low));
  }
}

__global__ void cast_kernel(const void* in, DType in_dtype, void* out, DType out_dtype, int64_t numel) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < numel; i += int64_t{gridDim.x} * blockDim.x) {
    if (in_dtype == DType::kInt64 && out_dtype == DType::kInt32) {
      static_cast<int32_t*>(out)[i] = static_cast<int32_t>(static_cast<const int64_t*>(in)[i]);
    } else if (in_dtype == DType::kInt32 && out_dtype == DType::kInt64) {
      static_cast<int64_t*>(out)[i] = static_cast<const int32_t*>(in)[i];
    } else {
      store_float(out, out_dtype, i, load_float(in, in_dtype, i));
    }
  }
}

__global__ void broadcast_rows_kernel(const void* row, DType row_dtype, void* out, DType out_dtype, int64_t numel,
                                      int64_t row_numel) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < numel; i += int64_t{gridDim.x} * blockDim.x) {
    store_float(out, out_dtype, i, load_float(row, row_dtype, i % row_numel));
  }
}

__global__ void add_rows_cast_kernel(const float* in, const void* row, DType row_dtype, void* out, DType out_dtype,
                                     int64_t numel, int64_t row_numel) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < numel; i += int64_t{gridDim.x} * blockDim.x) {
    store_float(out, out_dtype, i, in[i] + load_float(row, row_dtype, i % row_numel));
  }
}

__global__ void add_kernel(const void* a, const void* b, void* out, DType dtype, int64_t numel, int64_t b_numel) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < numel; i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t j = b_numel == numel ? i : i % b_numel;
    if (dtype == DType::kInt32) {
      static_cast<int32_t*>(out)[i] = static_cast<const int32_t*>(a)[i] + static_cast<const int32_t*>(b)[j];
    } else if (dtype == DType::kInt64) {
      static_cast<int64_t*>(out)[i] = static_cast<const int64_t*>(a)[i] + static_cast<const int64_t*>(b)[j];
    } else {
      store_float(out, dtype, i, load_float(a, dtype, i) + load_float(b, dtype, j));
    }
  }
}

}  // namespace

Status fill(void* out, DType dtype, int64_t numel, double value, cudaStream_t stream) {
  if (numel < 0) return Status::kInvalidArgument;
  if (numel == 0) return Status::kOk;
  const unsigned grid = grid_for(numel);
  switch (dtype) {
    case DType::kFloat32:
      fill_kernel<<<grid, kThreadsPerBlock, 0, stream>>>(static_cast<float*>(out), numel, static_cast<float>(value));
      break;
    case DType::kFloat16:
      fill_kernel<<<grid, kThreadsPerBlock, 0, stream>>>(static_cast<uint16_t*>(out), numel,
                                                         f32_to_f16(static_cast<float>(value)));
      break;
    case DType::kBFloat16:
      fill_kernel<<<grid, kThreadsPerBlock, 0, stream>>>(static_cast<uint16_t*>(out), numel,
                                                         f32_to_bf16(static_cast<float>(value)));
      break;
    case DType::kInt32:
      fill_kernel<<<grid, kThreadsPerBlock, 0, stream>>>(static_cast<int32_t*>(out), numel, static_cast<int32_t>(value));
      break;
    case DType::kInt64:
      fill_kernel<<<grid, kThreadsPerBlock, 0, stream>>>(static_cast<int64_t*>(out), numel, static_cast<int64_t>(value));
      break;
    case DType::kUInt8:
      fill_kernel<<<grid, kThreadsPerBlock, 0, stream>>>(static_cast<uint8_t*>(out), numel, static_cast<uint8_t>(value));
      break;
    case DType::kFloat8E4M3:
      fill_kernel<<<grid, kThreadsPerBlock, 0, stream>>>(static_cast<uint8_t*>(out), numel,
                                                         f32_to_fp8e4m3(static_cast<float>(value)));
      break;
  }
  return launch_status();
}

Status fill_uniform(void* out, DType dtype, int64_t numel, float low, float high, uint64_t seed,
                    cudaStream_t stream) {
  if (numel < 0) return Status::kInvalidArgument;
  if (!dtype_is_float(dtype)) return Status::kUnsupportedDType;
  if (numel == 0) return Status::kOk;
  fill_uniform_kernel<<<grid_for(numel), kThreadsPerBlock, 0, stream>>>(out, dtype, numel, low, high, seed);
  return launch_status();
}

Status cast(const void* in, DType in_dtype, void* out, DType out_dtype, int64_t numel, cudaStream_t stream) {
  if (numel < 0) return Status::kInvalidArgument;
  if (numel == 0) return Status::kOk;
  if (in_dtype == out_dtype) {
    const cudaError_t error =
        cudaMemcpyAsync(out, in, static_cast<size_t>(numel * dtype_size(in_dtype)), cudaMemcpyDeviceToDevice, stream);
    return error == cudaSuccess ? Status::kOk : Status::kDeviceError;
  }
  cast_kernel<<<grid_for(numel), kThreadsPerBlock, 0, stream>>>(in, in_dtype, out, out_dtype, numel);
  return launch_status();
}

Status broadcast_rows(const void* row, DType row_dtype, void* out, DType out_dtype, int64_t numel, int64_t row_numel,
                      cudaStream_t stream) {
  if (numel < 0 || row_numel <= 0 || numel % row_numel != 0) return Status::kInvalidArgument;
  if (!dtype_is_float(row_dtype) || !dtype_is_float(out_dtype)) return Status::kUnsupportedDType;
  if (numel == 0) return Status::kOk;
  broadcast_rows_kernel<<<grid_for(numel), kThreadsPerBlock, 0, stream>>>(row, row_dtype, out, out_dtype, numel,
                                                                           row_numel);
  return launch_status();
}

Status add_rows_cast(const float* in, const void* row, DType row_dtype, void* out, DType out_dtype, int64_t numel,
                     int64_t row_numel, cudaStream_t stream) {
  if (numel < 0 || row_numel <= 0 || numel % row_numel != 0) return Status::kInvalidArgument;
  if (!dtype_is_float(row_dtype) || !dtype_is_float(out_dtype)) return Status::kUnsupportedDType;
  if (numel == 0) return Status::kOk;
  add_rows_cast_kernel<<<grid_for(numel), kThreadsPerBlock, 0, stream>>>(in, row, row_dtype, out, out_dtype, numel,
                                                                          row_numel);
  return launch_status();
}

Status add(const void* a, const void* b, void* out, DType dtype, int64_t numel, int64_t b_numel, cudaStream_t stream) {
  if (numel < 0 || b_numel <= 0 || numel % b_numel != 0) return Status::kInvalidArgument;
  if (numel == 0) return Status::kOk;
  if (dtype == DType::kUInt8 || dtype == DType::kFloat8E4M3) return Status::kUnsupportedDType;
  add_kernel<<<grid_for(numel), kThreadsPerBlock, 0, stream>>>(a, b, out, dtype, numel, b_numel);
  return launch_status();
}

}  // namespace vllmts::cuda
