// Operand checks shared by the attention and KV-cache bindings: devices, head geometry, the flat
// batch's metadata and the values in it. Every failure is a typed argument error naming the op and
// the operand; nothing reaches a kernel unchecked, so a bad batch cannot touch memory out of range.
//
// Values of CUDA tensors cannot be read without waiting for the device, so on CUDA the value
// checks run on host copies of the metadata (the plan keeps those it was made from).
#pragma once

#include <napi.h>

#include <cstdint>

#include "tensor_arg.h"

namespace vllmts::native {

/// `t` lives on `reference`'s device: "operand 'q' is on cpu but 'out' is on cuda:0".
void expect_on(Napi::Env env, const TensorArg& t, const TensorArg& reference);

/// `t` is host memory because the host reads it (`why` completes "…, but <op> …").
void expect_host_memory(Napi::Env env, const TensorArg& t, const char* why);

/// One of float32, bfloat16, float16 (attention activations and KV caches).
void expect_float_storage(Napi::Env env, const TensorArg& t);

/// The dims of a [T, heads, head_size] operand that may also be given as [T, heads · head_size].
struct HeadLayout {
  int64_t tokens;
  int64_t heads;
  int64_t head_size;
};

/// Reads `t` as [T, heads, head_size] (3-D) or [T, heads · head_size] (2-D) for a known head size.
HeadLayout heads_with_size(Napi::Env env, const TensorArg& t, int64_t head_size);

/// Reads `t` as [T, heads, D] or [T, heads · D] for a known head count.
HeadLayout heads_with_count(Napi::Env env, const TensorArg& t, int64_t heads);

/// A KV cache [num_blocks, 2, block_size, num_kv_heads, head_size] in a float storage dtype.
void expect_kv_cache(Napi::Env env, const TensorArg& cache);

/// params.numKvHeads at info[index], ≥ 1.
int64_t kv_heads_arg(const Napi::CallbackInfo& info, size_t index, const char* op);

/// queryStartLoc: int32 [S + 1].
TensorArg query_start_loc_arg(const Napi::CallbackInfo& info, size_t index, const char* op);

/// The paged batch's metadata tensors, int32 on one device:
/// queryStartLoc [S + 1], seqLens [S], blockTables [S, maxBlocksPerSeq].
struct BatchArgs {
  TensorArg query_start_loc;
  TensorArg seq_lens;
  TensorArg block_tables;
  int64_t num_seqs;
};

/// Reads and shape-checks the three metadata operands at info[index..index+2].
BatchArgs batch_args(const Napi::CallbackInfo& info, size_t index, const char* op);

/// The metadata's values in host memory (the tensors themselves on the CPU, copies on CUDA).
struct BatchValues {
  const int32_t* query_start_loc;
  const int32_t* seq_lens;
  const int32_t* block_tables;
  int64_t num_seqs;
  int64_t width;  // block table columns
};

/// The values of host-memory metadata tensors.
BatchValues host_batch_values(const BatchArgs& batch);

/// Checks the values: queryStartLoc starts at 0, never decreases and (when num_tokens ≥ 0) ends
/// within num_tokens rows; each sequence's seq_len (when given) covers its new tokens.
void check_batch_values(Napi::Env env, const char* op, const int32_t* query_start_loc, const int32_t* seq_lens,
                        int64_t num_seqs, int64_t num_tokens);

/// Checks that each sequence's block table row has the blocks its seq_len needs, all in
/// [0, num_blocks).
void check_block_tables(Napi::Env env, const char* op, const BatchValues& batch, int64_t block_size,
                        int64_t num_blocks);

/// The Int32Array `object[key]` of exactly `count` entries, or nullptr when it is absent
/// (undefined); anything else fails, naming `what` ("metadata.seqLensHost").
const int32_t* int32_array_property(Napi::Env env, const char* op, const Napi::Object& object, const char* key,
                                    int64_t count, const char* what);

}  // namespace vllmts::native
