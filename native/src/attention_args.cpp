#include "attention_args.h"

#include <string>

namespace vllmts::native {
namespace {

std::string str(int64_t value) { return std::to_string(value); }

std::string operand(const TensorArg& t) { return std::string("operand '") + t.name + "'"; }

}  // namespace

void expect_on(Napi::Env env, const TensorArg& t, const TensorArg& reference) {
  if (t.device != reference.device) {
    fail(env, t.op, operand(t) + " is on " + t.device.name() + " but '" + reference.name + "' is on " +
                        reference.device.name() + "; attention operands share one device");
  }
}

void expect_host_memory(Napi::Env env, const TensorArg& t, const char* why) {
  if (t.device.kind != Device::kCpu) {
    fail(env, t.op, operand(t) + " is on " + t.device.name() + ", but " + t.op + " " + why + "; pass a CPU tensor");
  }
}

void expect_float_storage(Napi::Env env, const TensorArg& t) {
  expect_dtype(env, t, {DType::kFloat32, DType::kBFloat16, DType::kFloat16});
}

HeadLayout heads_with_size(Napi::Env env, const TensorArg& t, int64_t head_size) {
  if (t.shape.ndim == 3) {
    if (t.shape[2] != head_size) {
      fail(env, t.op, operand(t) + " has head size " + str(t.shape[2]) + " (shape " + t.shape.str() +
                          ") but the KV cache's head size is " + str(head_size));
    }
    return HeadLayout{t.shape[0], t.shape[1], head_size};
  }
  if (t.shape.ndim == 2) {
    if (head_size <= 0 || t.shape[1] % head_size != 0) {
      fail(env, t.op, operand(t) + " has shape " + t.shape.str() + ", whose rows are not whole heads of size " +
                          str(head_size));
    }
    return HeadLayout{t.shape[0], t.shape[1] / head_size, head_size};
  }
  fail(env, t.op, operand(t) + " must be [tokens, heads, headSize] or [tokens, heads * headSize], got shape " +
                      t.shape.str());
}

HeadLayout heads_with_count(Napi::Env env, const TensorArg& t, int64_t heads) {
  if (t.shape.ndim == 3) {
    if (t.shape[1] != heads) {
      fail(env, t.op, operand(t) + " has " + str(t.shape[1]) + " heads (shape " + t.shape.str() +
                          ") but numKvHeads is " + str(heads));
    }
    return HeadLayout{t.shape[0], heads, t.shape[2]};
  }
  if (t.shape.ndim == 2) {
    if (heads <= 0 || t.shape[1] % heads != 0) {
      fail(env, t.op, operand(t) + " has shape " + t.shape.str() + ", whose rows do not split into numKvHeads = " +
                          str(heads) + " heads");
    }
    return HeadLayout{t.shape[0], heads, t.shape[1] / heads};
  }
  fail(env, t.op, operand(t) + " must be [tokens, heads, headSize] or [tokens, heads * headSize], got shape " +
                      t.shape.str());
}

void expect_kv_cache(Napi::Env env, const TensorArg& cache) {
  if (cache.shape.ndim != 5 || cache.shape[1] != 2) {
    fail(env, cache.op, operand(cache) + " must be a KV cache [numBlocks, 2, blockSize, numKvHeads, headSize], got shape " +
                            cache.shape.str());
  }
  if (cache.shape[2] <= 0 || cache.shape[3] <= 0 || cache.shape[4] <= 0) {
    fail(env, cache.op, operand(cache) + " has an empty block, head or head size (shape " + cache.shape.str() + ")");
  }
  expect_float_storage(env, cache);
}

int64_t kv_heads_arg(const Napi::CallbackInfo& info, size_t index, const char* op) {
  const int64_t heads = int_arg(info, index, op, "numKvHeads");
  if (heads < 1) fail(info.Env(), op, "params.numKvHeads must be ≥ 1, got " + str(heads));
  return heads;
}

TensorArg query_start_loc_arg(const Napi::CallbackInfo& info, size_t index, const char* op) {
  const Napi::Env env = info.Env();
  const TensorArg qsl = tensor_arg(info, index, op, "queryStartLoc");
  expect_dtype(env, qsl, {DType::kInt32});
  expect_ndim(env, qsl, 1);
  if (qsl.shape[0] < 1) fail(env, op, "operand 'queryStartLoc' needs numSeqs + 1 entries (at least [0]), got shape [0]");
  return qsl;
}

BatchArgs batch_args(const Napi::CallbackInfo& info, size_t index, const char* op) {
  const Napi::Env env = info.Env();
  BatchArgs batch{query_start_loc_arg(info, index, op), tensor_arg(info, index + 1, op, "seqLens"),
                  tensor_arg(info, index + 2, op, "blockTables"), 0};
  batch.num_seqs = batch.query_start_loc.shape[0] - 1;
  expect_dtype(env, batch.seq_lens, {DType::kInt32});
  expect_ndim(env, batch.seq_lens, 1);
  expect_dim(env, batch.seq_lens, 0, batch.num_seqs);
  expect_dtype(env, batch.block_tables, {DType::kInt32});
  expect_ndim(env, batch.block_tables, 2);
  expect_dim(env, batch.block_tables, 0, batch.num_seqs);
  expect_on(env, batch.seq_lens, batch.query_start_loc);
  expect_on(env, batch.block_tables, batch.query_start_loc);
  return batch;
}

BatchValues host_batch_values(const BatchArgs& batch) {
  return BatchValues{batch.query_start_loc.as<const int32_t>(), batch.seq_lens.as<const int32_t>(),
                     batch.block_tables.as<const int32_t>(), batch.num_seqs, batch.block_tables.shape[1]};
}

void check_batch_values(Napi::Env env, const char* op, const int32_t* qsl, const int32_t* seq_lens, int64_t num_seqs,
                        int64_t num_tokens) {
  if (qsl[0] != 0) fail(env, op, "queryStartLoc[0] must be 0, got " + str(qsl[0]));
  for (int64_t s = 0; s < num_seqs; ++s) {
    const int64_t q_len = static_cast<int64_t>(qsl[s + 1]) - qsl[s];
    if (q_len < 0) {
      fail(env, op, "queryStartLoc must not decrease, but queryStartLoc[" + str(s + 1) + "] = " + str(qsl[s + 1]) +
                        " < queryStartLoc[" + str(s) + "] = " + str(qsl[s]));
    }
    if (seq_lens != nullptr && seq_lens[s] < q_len) {
      fail(env, op, "sequence " + str(s) + " has " + str(q_len) + " new tokens but seqLens[" + str(s) + "] is " +
                        str(seq_lens[s]) + "; seqLens counts all of a sequence's tokens, the new ones included");
    }
  }
  // Rows past queryStartLoc[numSeqs] are padding (a batch padded to a CUDA graph's size): untouched.
  if (num_tokens >= 0 && qsl[num_seqs] > num_tokens) {
    fail(env, op, "queryStartLoc ends at " + str(qsl[num_seqs]) + " but 'q' has only " + str(num_tokens) + " rows");
  }
}

void check_block_tables(Napi::Env env, const char* op, const BatchValues& batch, int64_t block_size,
                        int64_t num_blocks) {
  const int32_t* seq_lens = batch.seq_lens;
  const int32_t* tables = batch.block_tables;
  const int64_t width = batch.width;
  for (int64_t s = 0; s < batch.num_seqs; ++s) {
    const int64_t needed = (static_cast<int64_t>(seq_lens[s]) + block_size - 1) / block_size;
    if (needed > width) {
      fail(env, op, "sequence " + str(s) + " has " + str(seq_lens[s]) + " tokens, which need " + str(needed) +
                        " blocks of " + str(block_size) + ", but blockTables has " + str(width) + " columns");
    }
    for (int64_t i = 0; i < needed; ++i) {
      const int32_t block = tables[s * width + i];
      if (block < 0 || block >= num_blocks) {
        fail(env, op, "blockTables[" + str(s) + ", " + str(i) + "] is block " + str(block) +
                          ", outside the KV cache's " + str(num_blocks) + " blocks");
      }
    }
  }
}

const int32_t* int32_array_property(Napi::Env env, const char* op, const Napi::Object& object, const char* key,
                                    int64_t count, const char* what) {
  const Napi::Value value = object.Get(key);
  if (value.IsUndefined()) return nullptr;
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    fail(env, op, std::string(what) + " must be an Int32Array");
  }
  const auto array = value.As<Napi::Int32Array>();
  if (static_cast<int64_t>(array.ElementLength()) != count) {
    fail(env, op, std::string(what) + " has " + str(static_cast<int64_t>(array.ElementLength())) +
                      " entries but its tensor has " + str(count));
  }
  static const int32_t kNone = 0;  // an empty array may have no storage at all
  return count == 0 ? &kNone : array.Data();
}

}  // namespace vllmts::native
