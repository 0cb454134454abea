// Bindings for attention: pagedAttention (once per layer, keys and values from the paged KV cache,
// on the schedule attentionPlan made) and attention (dense keys and values, for encoders), on the
// CPU or CUDA. On CUDA the checks of metadata values use host copies (see ops_attention_plan.cpp):
// the plan's for pagedAttention, params.queryStartLocHost for attention (without it the values
// are not checked: the kernels stay inside the tensors whatever the device holds).
#include <cmath>
#include <string>

#include "attention_args.h"
#include "cpu/attention.h"
#include "errors.h"
#include "registry.h"
#include "tensor_arg.h"

#if defined(VLLM_TS_WITH_CUDA)
#include "cuda/attention.cuh"
#endif

namespace vllmts::native {
namespace {

std::string str(int64_t value) { return std::to_string(value); }

// The trailing masking arguments: scale, slidingWindow, softcap, causal (alibi slopes apart).
cpu::AttentionMasking masking_args(const Napi::CallbackInfo& info, size_t index, const char* op,
                                   const TensorArg& alibi, int64_t num_heads, const TensorArg& out) {
  const Napi::Env env = info.Env();
  const double scale = number_arg(info, index, op, "scale");
  const int64_t window = int_arg(info, index + 1, op, "slidingWindow");
  const double softcap = number_arg(info, index + 2, op, "softcap");
  const bool causal = bool_arg(info, index + 3, op, "causal");
  if (!std::isfinite(scale)) fail(env, op, "params.scale must be a finite number, got " + std::to_string(scale));
  if (window < 0) fail(env, op, "params.slidingWindow must be ≥ 0 (0 means no window), got " + str(window));
  if (!(softcap >= 0) || !std::isfinite(softcap)) {
    fail(env, op, "params.softcap must be a finite number ≥ 0 (0 means no soft-cap), got " + std::to_string(softcap));
  }
  if (alibi.data != nullptr || alibi.shape.ndim != 0) {
    expect_dtype(env, alibi, {DType::kFloat32});
    expect_on(env, alibi, out);
    expect_ndim(env, alibi, 1);
    expect_dim(env, alibi, 0, num_heads);
  }
  return cpu::AttentionMasking{static_cast<float>(scale), causal, window, static_cast<float>(softcap),
                               alibi.as<const float>()};
}

// out and q: same dtype, same layout and device, q's heads a multiple of numKvHeads.
cpu::AttentionProblem problem_args(Napi::Env env, const TensorArg& out, const TensorArg& q, int64_t num_kv_heads,
                                   int64_t head_size) {
  expect_on(env, q, out);
  expect_float_storage(env, q);
  expect_same_dtype(env, q, out);
  const HeadLayout layout = heads_with_size(env, q, head_size);
  if (out.shape.ndim == 0 || out.shape[0] != layout.tokens || out.numel() != q.numel()) {
    fail(env, q.op, "operand 'out' has shape " + out.shape.str() + " but 'q' has shape " + q.shape.str() +
                        "; out holds one row per query token in q's layout");
  }
  if (layout.heads % num_kv_heads != 0) {
    fail(env, q.op, "operand 'q' has " + str(layout.heads) + " heads, which is not a multiple of numKvHeads = " +
                        str(num_kv_heads));
  }
#if defined(VLLM_TS_WITH_CUDA)
  if (out.device.kind == Device::kCuda && head_size > cuda::kMaxAttentionHeadSize) {
    fail(env, q.op, "head size " + str(head_size) + " is not supported on CUDA (at most " +
                        str(cuda::kMaxAttentionHeadSize) + ")");
  }
#endif
  return cpu::AttentionProblem{out.data, q.data, q.dtype, layout.tokens, layout.heads, num_kv_heads, head_size};
}

// A plan's items must fit the batch they run on: a plan made for other metadata could read outside
// the sequences' rows, keys or partials.
void check_schedule(Napi::Env env, const char* op, const cpu::WorkItem* items, int64_t num_items,
                    const cpu::MergeItem* merge_items, int64_t num_merges, int64_t num_partial_rows,
                    const BatchValues& batch, int64_t num_tokens) {
  const int32_t* qsl = batch.query_start_loc;
  const int32_t* seq_lens = batch.seq_lens;
  const std::string stale = "; the plan does not match this batch (call planAttention again after changing the metadata)";
  for (int64_t i = 0; i < num_items; ++i) {
    const cpu::WorkItem& w = items[i];
    const bool fits = w.seq >= 0 && w.seq < batch.num_seqs && w.q_count >= 1 && w.q_begin >= qsl[w.seq] &&
                      int64_t{w.q_begin} + w.q_count <= qsl[w.seq + 1] && w.kv_begin >= 0 && w.kv_begin <= w.kv_end &&
                      w.kv_end <= seq_lens[w.seq] &&
                      (w.partial_row < 0 ? w.kv_begin == 0 && w.kv_end == seq_lens[w.seq]
                                         : int64_t{w.partial_row} + w.q_count <= num_partial_rows);
    if (!fits) fail(env, op, "work item " + str(i) + " (sequence " + str(w.seq) + ") is out of range" + stale);
  }
  for (int64_t i = 0; i < num_merges; ++i) {
    const cpu::MergeItem& m = merge_items[i];
    const bool fits = m.q_begin >= 0 && m.q_count >= 1 && int64_t{m.q_begin} + m.q_count <= num_tokens &&
                      m.num_splits >= 1 && m.partial_row >= 0 &&
                      m.partial_row + int64_t{m.num_splits} * m.q_count <= num_partial_rows;
    if (!fits) fail(env, op, "merge item " + str(i) + " is out of range" + stale);
  }
}

// The plan's work or merge items: int32 [n, width].
void expect_items(Napi::Env env, const TensorArg& t, int64_t width) {
  expect_dtype(env, t, {DType::kInt32});
  expect_ndim(env, t, 2);
  expect_dim(env, t, 1, width);
}

// The workspace for num_partial_rows split-KV states, on out's device.
float* workspace_arg(Napi::Env env, const char* op, const TensorArg& workspace, const TensorArg& out,
                     int64_t num_partial_rows, const cpu::AttentionProblem& problem) {
  if (num_partial_rows < 0) fail(env, op, "plan.numPartialRows must be ≥ 0, got " + str(num_partial_rows));
  if (num_partial_rows == 0) return nullptr;
  const int64_t needed = cpu::attention_partials_bytes(num_partial_rows, problem.num_heads, problem.head_size);
  if (workspace.data == nullptr) {
    fail(env, op, "the plan splits long key ranges and needs a workspace of " + str(needed) +
                      " bytes: pass params.workspace (size it with attentionWorkspaceBytes(plan))");
  }
  expect_on(env, workspace, out);
  const int64_t bytes = workspace.numel() * dtype_size(workspace.dtype);
  if (bytes < needed || reinterpret_cast<uintptr_t>(workspace.data) % alignof(float) != 0) {
    fail(env, op, "operand 'workspace' holds " + str(bytes) + " bytes but the plan needs " + str(needed) +
                      " (4-byte aligned)");
  }
  return workspace.as<float>();
}

#if defined(VLLM_TS_WITH_CUDA)
cuda::AttentionProblem cuda_problem(const cpu::AttentionProblem& p) {
  return cuda::AttentionProblem{p.out, p.q, p.dtype, p.num_tokens, p.num_heads, p.num_kv_heads, p.head_size};
}
cuda::AttentionMasking cuda_masking(const cpu::AttentionMasking& m) {
  return cuda::AttentionMasking{m.scale, m.causal, m.sliding_window, m.softcap, m.alibi_slopes};
}
#endif

// pagedAttention(out, q, kvCache, queryStartLoc, seqLens, blockTables, workItems, mergeItems,
// numPartialRows, workspace, alibiSlopes, numKvHeads, scale, slidingWindow, softcap, causal,
// decodeSplits, host, checked). host: the CUDA plan's host copies { queryStartLoc, seqLens,
// blockTables, workItems, mergeItems }; checked: they were already checked against this cache
// geometry and q (the plan remembers), so the value checks are skipped.
void paged_attention(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* op = "pagedAttention";
  const TensorArg out = tensor_arg(info, 0, op, "out");
  const TensorArg q = tensor_arg(info, 1, op, "q");
  const TensorArg cache = tensor_arg(info, 2, op, "kvCache");
  const BatchArgs batch = batch_args(info, 3, op);
  const TensorArg work = tensor_arg(info, 6, op, "plan.workItems");
  const TensorArg merges = tensor_arg(info, 7, op, "plan.mergeItems");
  const int64_t num_partial_rows = int_arg(info, 8, op, "plan.numPartialRows");
  const TensorArg workspace = optional_tensor_arg(info, 9, op, "workspace");
  const TensorArg alibi = optional_tensor_arg(info, 10, op, "alibiSlopes");
  const int64_t num_kv_heads = kv_heads_arg(info, 11, op);
  const int64_t decode_splits = info.Length() > 16 ? int_arg(info, 16, op, "plan.decodeSplits") : 0;
  [[maybe_unused]] const bool checked = info.Length() > 18 && bool_arg(info, 18, op, "checked");

  expect_kv_cache(env, cache);
  expect_on(env, cache, out);
  expect_on(env, batch.query_start_loc, out);
  if (cache.shape[3] != num_kv_heads) {
    fail(env, op, "operand 'kvCache' has " + str(cache.shape[3]) + " KV heads (shape " + cache.shape.str() +
                      ") but params.numKvHeads is " + str(num_kv_heads));
  }
  const cpu::AttentionProblem problem = problem_args(env, out, q, num_kv_heads, cache.shape[4]);
  const cpu::AttentionMasking masking = masking_args(info, 12, op, alibi, problem.num_heads, out);
  expect_items(env, work, 6);
  expect_items(env, merges, 4);

  if (out.device.kind == Device::kCpu) {
    expect_host_memory(env, work, "runs this plan on the CPU");
    expect_host_memory(env, merges, "runs this plan on the CPU");
    if (decode_splits != 0) fail(env, op, "the plan was made for CUDA metadata; plan the CPU batch with planAttention");
    const BatchValues values = host_batch_values(batch);
    check_batch_values(env, op, values.query_start_loc, values.seq_lens, values.num_seqs, problem.num_tokens);
    check_block_tables(env, op, values, cache.shape[2], cache.shape[0]);
    const auto* items = work.as<const cpu::WorkItem>();
    const auto* merge_items = merges.as<const cpu::MergeItem>();
    check_schedule(env, op, items, work.shape[0], merge_items, merges.shape[0], num_partial_rows, values,
                   problem.num_tokens);
    float* partials = workspace_arg(env, op, workspace, out, num_partial_rows, problem);
    const cpu::AttentionSchedule schedule{items, work.shape[0], merge_items, merges.shape[0], partials, num_partial_rows};
    const cpu::PagedKVCache kv{cache.data, cache.dtype, cache.shape[0], cache.shape[2]};
    const cpu::VarlenBatch varlen{values.query_start_loc, values.seq_lens, values.num_seqs, values.block_tables,
                                  values.width};
    check_status(env, op, cpu::paged_attention(problem, kv, varlen, schedule, masking));
    return;
  }
#if defined(VLLM_TS_WITH_CUDA)
  if (info.Length() <= 17 || !info[17].IsObject()) {
    fail(env, op, "the plan holds no host copy of its metadata; make it with planAttention on this batch");
  }
  const Napi::Object host = info[17].As<Napi::Object>();
  const int64_t num_seqs = batch.num_seqs;
  const int64_t width = batch.block_tables.shape[1];
  const auto copy = [&](const char* key, int64_t count) {
    const std::string what = std::string("plan.host.") + key;
    const int32_t* values = int32_array_property(env, op, host, key, count, what.c_str());
    if (values == nullptr) fail(env, op, what + " is missing; make the plan with planAttention");
    return values;
  };
  const BatchValues values{copy("queryStartLoc", num_seqs + 1), copy("seqLens", num_seqs),
                           copy("blockTables", num_seqs * width), num_seqs, width};
  if (decode_splits < 0) fail(env, op, "plan.decodeSplits must be ≥ 0, got " + str(decode_splits));
  const bool decode = decode_splits > 0;
  if (!decode) {
    expect_on(env, work, out);
    expect_on(env, merges, out);
  }
  if (!checked) {
    check_batch_values(env, op, values.query_start_loc, values.seq_lens, num_seqs, problem.num_tokens);
    check_block_tables(env, op, values, cache.shape[2], cache.shape[0]);
    if (decode) {
      if (num_partial_rows != (decode_splits > 1 ? num_seqs * decode_splits : 0)) {
        fail(env, op, "plan.numPartialRows (" + str(num_partial_rows) + ") does not match " + str(num_seqs) +
                          " sequences of " + str(decode_splits) + " decode splits; call planAttention again");
      }
    } else {
      const auto* items = reinterpret_cast<const cpu::WorkItem*>(copy("workItems", work.numel()));
      const auto* merge_items = reinterpret_cast<const cpu::MergeItem*>(copy("mergeItems", merges.numel()));
      check_schedule(env, op, items, work.shape[0], merge_items, merges.shape[0], num_partial_rows, values,
                     problem.num_tokens);
    }
  }
  float* partials = workspace_arg(env, op, workspace, out, num_partial_rows, problem);
  const cuda::AttentionSchedule schedule{decode_splits,  work.as<const int32_t>(), decode ? 0 : work.shape[0],
                                         merges.as<const int32_t>(), decode ? 0 : merges.shape[0], partials,
                                         num_partial_rows};
  const cuda::PagedKVCache kv{cache.data, cache.dtype, cache.shape[0], cache.shape[2]};
  const cuda::VarlenBatch varlen{batch.query_start_loc.as<const int32_t>(), batch.seq_lens.as<const int32_t>(),
                                 num_seqs, batch.block_tables.as<const int32_t>(), width};
  check_status(env, op,
               cuda::paged_attention(cuda_problem(problem), kv, varlen, schedule, cuda_masking(masking),
                                     stream_for(out.device)));
#else
  fail(env, op, "CUDA tensors need an addon built with CUDA");
#endif
}

// attention(out, q, k, v, queryStartLoc, alibiSlopes, numKvHeads, scale, slidingWindow, softcap,
// causal, queryTile, queryStartLocHost)
void dense_attention(const Napi::CallbackInfo& info) {
  const Napi::Env env = info.Env();
  const char* op = "attention";
  const TensorArg out = tensor_arg(info, 0, op, "out");
  const TensorArg q = tensor_arg(info, 1, op, "q");
  const TensorArg k = tensor_arg(info, 2, op, "k");
  const TensorArg v = tensor_arg(info, 3, op, "v");
  const TensorArg qsl = query_start_loc_arg(info, 4, op);
  const TensorArg alibi = optional_tensor_arg(info, 5, op, "alibiSlopes");
  const int64_t num_kv_heads = kv_heads_arg(info, 6, op);
  const int64_t query_tile = int_arg(info, 11, op, "queryTile");
  if (query_tile < 1) fail(env, op, "params.queryTile must be ≥ 1, got " + str(query_tile));
  for (const TensorArg* t : {&k, &v, &qsl}) expect_on(env, *t, out);
  expect_same_dtype(env, q, k);
  expect_same_dtype(env, q, v);
  expect_same_shape(env, k, v);
  const HeadLayout kv_layout = heads_with_count(env, k, num_kv_heads);
  const cpu::AttentionProblem problem = problem_args(env, out, q, num_kv_heads, kv_layout.head_size);
  if (kv_layout.tokens != problem.num_tokens) {
    fail(env, op, "operand 'k' has " + str(kv_layout.tokens) + " tokens but 'q' has " + str(problem.num_tokens));
  }
  const cpu::AttentionMasking masking = masking_args(info, 7, op, alibi, problem.num_heads, out);
  const int64_t num_seqs = qsl.shape[0] - 1;
  if (out.device.kind == Device::kCpu) {
    check_batch_values(env, op, qsl.as<const int32_t>(), nullptr, num_seqs, problem.num_tokens);
    check_status(env, op,
                 cpu::dense_attention(problem, k.data, v.data, qsl.as<const int32_t>(), num_seqs, masking, query_tile));
    return;
  }
#if defined(VLLM_TS_WITH_CUDA)
  if (info.Length() > 12 && info[12].IsTypedArray()) {
    const Napi::Object holder = Napi::Object::New(env);
    holder.Set("queryStartLocHost", info[12]);
    const int32_t* host =
        int32_array_property(env, op, holder, "queryStartLocHost", num_seqs + 1, "params.queryStartLocHost");
    check_batch_values(env, op, host, nullptr, num_seqs, problem.num_tokens);
  }
  check_status(env, op,
               cuda::dense_attention(cuda_problem(problem), k.data, v.data, qsl.as<const int32_t>(), num_seqs,
                                     cuda_masking(masking), stream_for(out.device)));
#else
  fail(env, op, "CUDA tensors need an addon built with CUDA");
#endif
}

void register_attention_ops(Napi::Env env, Napi::Object ops) {
  ops.Set("pagedAttention", Napi::Function::New<paged_attention>(env, "pagedAttention"));
  ops.Set("attention", Napi::Function::New<dense_attention>(env, "attention"));
}

}  // namespace

VLLM_TS_OP_GROUP(attention, register_attention_ops);

}  // namespace vllmts::native
