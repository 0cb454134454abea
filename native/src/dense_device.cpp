#include "dense_device.h"

#include "dense_args.h"

namespace vllmts::native {

void expect_dense_device(Napi::Env env, const TensorArg& like, const TensorArg& t) {
  if (t.data == nullptr) return;
#if defined(VLLM_TS_WITH_CUDA)
  expect_same_device(env, like, t);
#else
  (void)like;
  expect_cpu(env, t);
#endif
}

}  // namespace vllmts::native
