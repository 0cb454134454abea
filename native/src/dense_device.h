// Where a dense op runs (norms, rotary, activations, reductions, row lookups, MoE, pooling): all
// of its operands on one device, the CPU or (in CUDA builds) one GPU, and the kernel of that
// device. The CUDA kernels (kernels/cuda/<family>.cuh) take the CPU kernels' arguments plus a
// stream; index contents are checked by the bindings only on the CPU, where they can be read
// without waiting for the device (the CUDA kernels skip or clamp them, as their headers say).
#pragma once

#include <napi.h>

#include "tensor_arg.h"

namespace vllmts::native {

/// `t` must be on `like`'s device; an absent optional operand (null data) passes. Builds without
/// CUDA require the CPU (dense_args.h's expect_cpu, with its message).
void expect_dense_device(Napi::Env env, const TensorArg& like, const TensorArg& t);

}  // namespace vllmts::native

#if defined(VLLM_TS_WITH_CUDA)
/// Runs cuda::name(args…, stream) for tensors on a GPU, else cpu::name(args…).
#define VLLM_TS_DENSE_DISPATCH(device, name, ...) \
  ((device).kind == Device::kCuda ? cuda::name(__VA_ARGS__, stream_for(device)) : cpu::name(__VA_ARGS__))
#else
#define VLLM_TS_DENSE_DISPATCH(device, name, ...) cpu::name(__VA_ARGS__)
#endif
