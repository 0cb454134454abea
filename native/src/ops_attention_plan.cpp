// Binding for attentionPlan: validates a step's metadata once and partitions its attention, on the
// CPU (cpu::plan_attention_work) or for the CUDA kernels (cuda::plan_cuda_attention).
//
// A CUDA batch's values live on the device. The model runner builds them on the host anyway and
// passes those copies (metadata.queryStartLocHost, seqLensHost, blockTablesHost), so planning
// never waits for the GPU; a copy that is absent is downloaded, which waits for the device's
// queued work (fine for tests and one-off calls, not inside a step loop). The plan returns the
// values it was made from, so pagedAttention can check block ids without reading the device.
#include <cstring>
#include <string>

#include "attention_args.h"
#include "cpu/attention_plan.h"
#include "cpu/parallel.h"
#include "errors.h"
#include "registry.h"
#include "tensor_arg.h"

#if defined(VLLM_TS_WITH_CUDA)
#include "cuda/attention_plan.cuh"
#include "host_download.h"
#endif

namespace vllmts::native {
namespace {

std::string str(int64_t value) { return std::to_string(value); }

Napi::Int32Array int32_array(Napi::Env env, const void* data, size_t count) {
  auto array = Napi::Int32Array::New(env, count);
  if (count > 0) std::memcpy(array.Data(), data, count * sizeof(int32_t));
  return array;
}

#if defined(VLLM_TS_WITH_CUDA)
// The host copy `key` of `t`'s values if the caller gave one, else `t` downloaded (waits).
Napi::Int32Array host_values(Napi::Env env, const char* op, const Napi::Object& copies, const char* key,
                             const TensorArg& t) {
  const std::string what = std::string("metadata.") + key;
  const int32_t* given = int32_array_property(env, op, copies, key, t.numel(), what.c_str());
  if (given != nullptr) return int32_array(env, given, static_cast<size_t>(t.numel()));
  auto array = Napi::Int32Array::New(env, static_cast<size_t>(t.numel()));
  if (t.numel() > 0) {
    const cudaError_t error =
        host_download::download_now(t.device.index, array.Data(), t.data, static_cast<size_t>(t.numel()) * 4);
    if (error != cudaSuccess) {
      throw_error(env, ErrorKind::kDevice, std::string(op) + ": reading '" + t.name + "' from the device failed: " +
                                               cudaGetErrorString(error));
    }
  }
  return array;
}
#endif

// attentionPlan(queryStartLoc, seqLens, blockTables, maxQueryLen, maxSeqLen, queryTile, kvSplitSize,
// numKvHeads, numHeads, headSize, hostCopies) → { numTokens, workItems: Int32Array, mergeItems:
// Int32Array, numPartialRows, decodeSplits, host?: { queryStartLoc, seqLens, blockTables } }.
// queryTile 0 and numHeads/headSize 0 mean "not given".
Napi::Value attention_plan(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* op = "planAttention";
  const BatchArgs batch = batch_args(info, 0, op);
  const int64_t max_query_len = int_arg(info, 3, op, "maxQueryLen");
  const int64_t max_seq_len = int_arg(info, 4, op, "maxSeqLen");
  const int64_t query_tile = int_arg(info, 5, op, "queryTile");
  const int64_t kv_split_size = int_arg(info, 6, op, "kvSplitSize");
  const int64_t num_kv_heads = kv_heads_arg(info, 7, op);
  [[maybe_unused]] const int64_t num_heads = int_arg(info, 8, op, "numHeads");
  [[maybe_unused]] const int64_t head_size = int_arg(info, 9, op, "headSize");
  if (query_tile < 0) fail(env, op, "params.queryTile must be ≥ 1, got " + str(query_tile));
  const bool on_cuda = batch.query_start_loc.device.kind == Device::kCuda;

  Napi::Object result = Napi::Object::New(env);
  BatchValues values = host_batch_values(batch);
  if (on_cuda) {
#if defined(VLLM_TS_WITH_CUDA)
    const Napi::Object copies = info[10].IsObject() ? info[10].As<Napi::Object>() : Napi::Object::New(env);
    Napi::Object host = Napi::Object::New(env);
    const Napi::Int32Array qsl = host_values(env, op, copies, "queryStartLocHost", batch.query_start_loc);
    const Napi::Int32Array lens = host_values(env, op, copies, "seqLensHost", batch.seq_lens);
    const Napi::Int32Array tables = host_values(env, op, copies, "blockTablesHost", batch.block_tables);
    host.Set("queryStartLoc", qsl);
    host.Set("seqLens", lens);
    host.Set("blockTables", tables);
    result.Set("host", host);
    static const int32_t kNone = 0;
    values.query_start_loc = qsl.Data();
    values.seq_lens = batch.num_seqs > 0 ? lens.Data() : &kNone;
    values.block_tables = tables.ElementLength() > 0 ? tables.Data() : &kNone;
#else
    fail(env, op, "CUDA tensors need an addon built with CUDA");
#endif
  }
  check_batch_values(env, op, values.query_start_loc, values.seq_lens, batch.num_seqs, -1);
  const int32_t* qsl = values.query_start_loc;
  const int32_t* seq_lens = values.seq_lens;
  for (int64_t s = 0; s < batch.num_seqs; ++s) {
    const int64_t q_len = qsl[s + 1] - qsl[s];
    if (q_len > max_query_len) {
      fail(env, op, "maxQueryLen is " + str(max_query_len) + " but sequence " + str(s) + " has " + str(q_len) +
                        " new tokens");
    }
    if (seq_lens[s] > max_seq_len) {
      fail(env, op, "maxSeqLen is " + str(max_seq_len) + " but seqLens[" + str(s) + "] is " + str(seq_lens[s]));
    }
  }

  std::vector<cpu::WorkItem> work_items;
  std::vector<cpu::MergeItem> merge_items;
  int64_t num_partial_rows = 0;
  int64_t decode_splits = 0;
  if (!on_cuda) {
    const cpu::PlanOptions options{query_tile > 0 ? query_tile : 16, kv_split_size, num_kv_heads, cpu::num_threads()};
    cpu::AttentionWorkPlan plan = cpu::plan_attention_work(qsl, seq_lens, batch.num_seqs, options);
    work_items = std::move(plan.work_items);
    merge_items = std::move(plan.merge_items);
    num_partial_rows = plan.num_partial_rows;
  } else {
#if defined(VLLM_TS_WITH_CUDA)
    const cuda::CudaPlanOptions options{query_tile,
                                        kv_split_size,
                                        num_kv_heads,
                                        num_heads,
                                        head_size,
                                        max_seq_len,
                                        cuda::multiprocessor_count(batch.query_start_loc.device.index)};
    cuda::CudaAttentionPlan plan = cuda::plan_cuda_attention(qsl, seq_lens, batch.num_seqs, options);
    work_items = std::move(plan.work_items);
    merge_items = std::move(plan.merge_items);
    num_partial_rows = plan.num_partial_rows;
    decode_splits = plan.decode_splits;
#endif
  }
  result.Set("numTokens", Napi::Number::New(env, static_cast<double>(qsl[batch.num_seqs])));
  result.Set("workItems", int32_array(env, work_items.data(), work_items.size() * 6));
  result.Set("mergeItems", int32_array(env, merge_items.data(), merge_items.size() * 4));
  result.Set("numPartialRows", Napi::Number::New(env, static_cast<double>(num_partial_rows)));
  result.Set("decodeSplits", Napi::Number::New(env, static_cast<double>(decode_splits)));
  return result;
}

void register_attention_plan_ops(Napi::Env env, Napi::Object ops) {
  ops.Set("attentionPlan", Napi::Function::New<attention_plan>(env, "attentionPlan"));
}

}  // namespace

VLLM_TS_OP_GROUP(attention_plan, register_attention_plan_ops);

}  // namespace vllmts::native
