// Bindings for the paged KV cache: reshapeAndCache (write new tokens' keys and values into their
// slots) and copyBlocks (copy whole blocks between two caches, e.g. device cache ↔ host swap).
#include <string>
#include <vector>

#include "attention_args.h"
#include "cpu/kv_cache.h"
#include "errors.h"
#include "registry.h"
#include "tensor_arg.h"

#if defined(VLLM_TS_WITH_CUDA)
#include "cuda/kv_cache.cuh"
#endif

namespace vllmts::native {
namespace {

std::string str(int64_t value) { return std::to_string(value); }

// reshapeAndCache(kvCache, k, v, slotMapping). On CUDA the slot mapping's values are on the device:
// checking them would wait for it, so the kernel skips out-of-range slots instead of raising.
void reshape_and_cache(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* op = "reshapeAndCache";
  const TensorArg cache = tensor_arg(info, 0, op, "kvCache");
  const TensorArg k = tensor_arg(info, 1, op, "k");
  const TensorArg v = tensor_arg(info, 2, op, "v");
  const TensorArg slots = tensor_arg(info, 3, op, "slotMapping");
  expect_kv_cache(env, cache);
  for (const TensorArg* t : {&k, &v, &slots}) expect_on(env, *t, cache);
  expect_float_storage(env, k);
  expect_same_dtype(env, k, v);
  expect_same_shape(env, k, v);
  const HeadLayout layout = heads_with_count(env, k, cache.shape[3]);
  if (layout.head_size != cache.shape[4]) {
    fail(env, op, "operand 'k' has head size " + str(layout.head_size) + " (shape " + k.shape.str() +
                      ") but 'kvCache' has head size " + str(cache.shape[4]) + " (shape " + cache.shape.str() + ")");
  }
  expect_dtype(env, slots, {DType::kInt32});
  expect_ndim(env, slots, 1);
  expect_dim(env, slots, 0, layout.tokens);
  const cpu::KVCacheGeometry geometry{cache.shape[0], cache.shape[2], cache.shape[3], cache.shape[4]};
#if defined(VLLM_TS_WITH_CUDA)
  if (cache.device.kind == Device::kCuda) {
    const cuda::KVCacheGeometry g{geometry.num_blocks, geometry.block_size, geometry.num_kv_heads, geometry.head_size};
    check_status(env, op,
                 cuda::reshape_and_cache(cache.data, cache.dtype, g, k.data, v.data, k.dtype, layout.tokens,
                                         slots.as<const int32_t>(), stream_for(cache.device)));
    return;
  }
#endif
  const int64_t num_slots = geometry.num_blocks * geometry.block_size;
  const auto* mapping = slots.as<const int32_t>();
  for (int64_t t = 0; t < layout.tokens; ++t) {
    if (mapping[t] < -1 || mapping[t] >= num_slots) {
      fail(env, op, "slotMapping[" + str(t) + "] is " + str(mapping[t]) + ", outside the cache's " + str(num_slots) +
                        " slots (" + str(geometry.num_blocks) + " blocks of " + str(geometry.block_size) +
                        "); use -1 to skip a token");
    }
  }
  check_status(env, op,
               cpu::reshape_and_cache(cache.data, cache.dtype, geometry, k.data, v.data, k.dtype, layout.tokens,
                                      mapping));
}

// Rows (src, dst) in range, destinations distinct, and, when both caches are one buffer, no
// destination that another row reads: rows run in parallel.
void check_block_mapping(Napi::Env env, const TensorArg& mapping, const TensorArg& dst, const TensorArg& src) {
  const char* op = mapping.op;
  const auto* pairs = mapping.as<const int32_t>();
  const auto* dst_begin = static_cast<const char*>(dst.data);
  const auto* src_begin = static_cast<const char*>(src.data);
  const int64_t dst_bytes = dst.numel() * dtype_size(dst.dtype);
  const int64_t src_bytes = src.numel() * dtype_size(src.dtype);
  const bool same_buffer = dst.data == src.data && dst.device == src.device;
  if (!same_buffer && dst.device == src.device && dst_begin < src_begin + src_bytes && src_begin < dst_begin + dst_bytes) {
    fail(env, op, "operands 'dst' and 'src' overlap without being the same cache; pass one tensor as both to copy "
                  "blocks within a cache");
  }
  std::vector<uint8_t> written(static_cast<size_t>(dst.shape[0]), 0);
  for (int64_t i = 0; i < mapping.shape[0]; ++i) {
    const int32_t from = pairs[2 * i];
    const int32_t to = pairs[2 * i + 1];
    if (from < 0 || from >= src.shape[0]) {
      fail(env, op, "mapping[" + str(i) + "] copies from block " + str(from) + ", outside 'src''s " + str(src.shape[0]) +
                        " blocks");
    }
    if (to < 0 || to >= dst.shape[0]) {
      fail(env, op, "mapping[" + str(i) + "] copies to block " + str(to) + ", outside 'dst''s " + str(dst.shape[0]) +
                        " blocks");
    }
    if (written[to]) fail(env, op, "mapping[" + str(i) + "] writes block " + str(to) + " a second time");
    written[to] = 1;
  }
  if (!same_buffer) return;
  for (int64_t i = 0; i < mapping.shape[0]; ++i) {
    const int32_t from = pairs[2 * i];
    if (from < dst.shape[0] && written[from] && pairs[2 * i + 1] != from) {
      fail(env, op, "mapping[" + str(i) + "] reads block " + str(from) + ", which another row overwrites");
    }
  }
}

// copyBlocks(dst, src, mapping): mapping int32 [n, 2] of (src block, dst block), on the host (the
// host issues the copies, so its values are read without waiting for a device).
void copy_blocks(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* op = "copyBlocks";
  const TensorArg dst = tensor_arg(info, 0, op, "dst");
  const TensorArg src = tensor_arg(info, 1, op, "src");
  const TensorArg mapping = tensor_arg(info, 2, op, "mapping");
  expect_kv_cache(env, dst);
  expect_kv_cache(env, src);
  expect_same_dtype(env, dst, src);
  for (int i = 1; i < 5; ++i) {
    if (dst.shape[i] != src.shape[i]) {
      fail(env, op, "operand 'src' has shape " + src.shape.str() + " but 'dst' has shape " + dst.shape.str() +
                        "; the caches may differ only in their number of blocks");
    }
  }
  expect_dtype(env, mapping, {DType::kInt32});
  expect_ndim(env, mapping, 2);
  expect_dim(env, mapping, 1, 2);
  expect_host_memory(env, mapping, "reads the mapping on the host");
  check_block_mapping(env, mapping, dst, src);
  const int64_t block_bytes = dst.numel() / dst.shape[0] * dtype_size(dst.dtype);
  const auto* pairs = mapping.as<const int32_t>();
  const int64_t rows = mapping.shape[0];
  if (dst.device.kind == Device::kCpu && src.device.kind == Device::kCpu) {
    check_status(env, op, cpu::copy_blocks(dst.data, src.data, block_bytes, pairs, rows));
    return;
  }
#if defined(VLLM_TS_WITH_CUDA)
  // As copy() does: async copies on the device's stream, one per run of rows whose source and
  // destination blocks both continue the previous row's (swapping a sequence's blocks is often
  // one run); a copy that touches host memory is waited for, so the host buffer may be reused
  // when the call returns.
  const bool to_host = dst.device.kind == Device::kCpu;
  const Device& device = to_host ? src.device : dst.device;
  const cudaStream_t stream = stream_for(device);
  const bool peer = src.device.kind == Device::kCuda && dst.device.kind == Device::kCuda && src.device != dst.device;
  cudaError_t error = cudaSuccess;
  for (int64_t i = 0; i < rows && error == cudaSuccess;) {
    int64_t run = 1;
    while (i + run < rows && pairs[2 * (i + run)] == pairs[2 * i] + run && pairs[2 * (i + run) + 1] == pairs[2 * i + 1] + run) {
      ++run;
    }
    char* to = static_cast<char*>(dst.data) + pairs[2 * i + 1] * block_bytes;
    const char* from = static_cast<const char*>(src.data) + pairs[2 * i] * block_bytes;
    const size_t bytes = static_cast<size_t>(run * block_bytes);
    error = peer ? cudaMemcpyPeerAsync(to, dst.device.index, from, src.device.index, bytes, stream)
                 : cudaMemcpyAsync(to, from, bytes, cudaMemcpyDefault, stream);
    i += run;
  }
  if (error == cudaSuccess && (to_host || src.device.kind == Device::kCpu)) error = cudaStreamSynchronize(stream);
  if (error != cudaSuccess) throw_error(env, ErrorKind::kDevice, std::string(op) + ": " + cudaGetErrorString(error));
#else
  fail(env, op, "CUDA tensors need an addon built with CUDA");
#endif
}

void register_kv_cache_ops(Napi::Env env, Napi::Object ops) {
  ops.Set("reshapeAndCache", Napi::Function::New<reshape_and_cache>(env, "reshapeAndCache"));
  ops.Set("copyBlocks", Napi::Function::New<copy_blocks>(env, "copyBlocks"));
}

}  // namespace

VLLM_TS_OP_GROUP(kv_cache, register_kv_cache_ops);

}  // namespace vllmts::native
