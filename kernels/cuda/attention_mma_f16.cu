// The tensor-core attention kernel over float16 queries and caches.
#include "cuda/attention_mma_launch.cuh"

namespace vllmts::cuda::attention_detail {

Status launch_mma_f16(const KernelArgs& args, Source source, dim3 grid, cudaStream_t stream) {
  return launch_mma_dtype<true>(args, source, grid, stream);
}

}  // namespace vllmts::cuda::attention_detail
