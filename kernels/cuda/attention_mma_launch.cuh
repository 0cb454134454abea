// Instantiates the tensor-core kernel for one storage dtype over head sizes and task sources;
// included once by attention_mma_bf16.cu and once by attention_mma_f16.cu.
#pragma once

#include <atomic>

#include "cuda/attention_launch.cuh"
#include "cuda/attention_mma_kernel.cuh"
#include "cuda/launch.cuh"

namespace vllmts::cuda::attention_detail {

template <bool kF16, int D, Source S>
Status launch_mma_instance(const KernelArgs& args, dim3 grid, cudaStream_t stream) {
  using C = MmaConfig<D, S>;
  // Blocks take more than the default 48 KB of shared memory only after opting in, per device.
  static std::atomic<uint64_t> opted_in{0};
  int device = 0;
  if (cudaGetDevice(&device) != cudaSuccess) return launch_status();
  const uint64_t bit = uint64_t{1} << (device & 63);
  if (C::kSmemBytes > 48 * 1024 && (opted_in.load() & bit) == 0) {
    if (cudaFuncSetAttribute(mma_attention_kernel<kF16, D, S>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                             C::kSmemBytes) != cudaSuccess) {
      return launch_status();
    }
    opted_in.fetch_or(bit);
  }
  mma_attention_kernel<kF16, D, S><<<grid, C::kThreads, C::kSmemBytes, stream>>>(args);
  return launch_status();
}

template <bool kF16, Source S>
Status launch_mma_source(const KernelArgs& args, dim3 grid, cudaStream_t stream) {
  switch (args.head_size) {
    case 64: return launch_mma_instance<kF16, 64, S>(args, grid, stream);
    case 80: return launch_mma_instance<kF16, 80, S>(args, grid, stream);
    case 96: return launch_mma_instance<kF16, 96, S>(args, grid, stream);
    case 128: return launch_mma_instance<kF16, 128, S>(args, grid, stream);
    case 256: return launch_mma_instance<kF16, 256, S>(args, grid, stream);
    default: return Status::kInvalidArgument;
  }
}

template <bool kF16>
Status launch_mma_dtype(const KernelArgs& args, Source source, dim3 grid, cudaStream_t stream) {
  switch (source) {
    case Source::kWorkItems: return launch_mma_source<kF16, Source::kWorkItems>(args, grid, stream);
    case Source::kDecode: return launch_mma_source<kF16, Source::kDecode>(args, grid, stream);
    case Source::kDense: return launch_mma_source<kF16, Source::kDense>(args, grid, stream);
  }
  return Status::kInvalidArgument;
}

}  // namespace vllmts::cuda::attention_detail
