// The tensor-core attention kernel over bfloat16 queries and caches.
#include "cuda/attention_mma_launch.cuh"

namespace vllmts::cuda::attention_detail {

Status launch_mma_bf16(const KernelArgs& args, Source source, dim3 grid, cudaStream_t stream) {
  return launch_mma_dtype<false>(args, source, grid, stream);
}

}  // namespace vllmts::cuda::attention_detail
