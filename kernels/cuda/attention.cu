// Host side of the CUDA attention: picks the kernel family and the grid, then the merge.
#include <cstdlib>
#include <cstring>

#include "cuda/attention.cuh"
#include "cuda/attention_launch.cuh"

namespace vllmts::cuda {
namespace {

using attention_detail::FastDiv;
using attention_detail::KernelArgs;
using attention_detail::Source;

bool float_storage(DType dtype) {
  return dtype == DType::kFloat32 || dtype == DType::kBFloat16 || dtype == DType::kFloat16;
}

bool valid_problem(const AttentionProblem& p) {
  return float_storage(p.dtype) && p.num_tokens >= 0 && p.num_tokens < (int64_t{1} << 31) && p.num_kv_heads > 0 &&
         p.num_heads > 0 && p.num_heads % p.num_kv_heads == 0 && p.head_size > 0 &&
         p.head_size <= kMaxAttentionHeadSize;
}

// VLLM_TS_ATTENTION_KERNEL=simt sends every call to the float32 kernel, to check the tensor-core
// kernel against it on a device.
bool force_simt() {
  static const bool value = [] {
    const char* v = std::getenv("VLLM_TS_ATTENTION_KERNEL");
    return v != nullptr && std::strcmp(v, "simt") == 0;
  }();
  return value;
}

bool aligned(const void* p, uintptr_t bytes) { return reinterpret_cast<uintptr_t>(p) % bytes == 0; }

// The tensor-core kernel needs one 16-bit dtype for queries and keys, an instantiated head size,
// and 16-byte aligned rows for cp.async (rows are whole heads, so aligned bases suffice).
bool use_mma(const AttentionProblem& p, DType kv_dtype, const void* keys, const void* values) {
  return !force_simt() && p.dtype == kv_dtype && (kv_dtype == DType::kBFloat16 || kv_dtype == DType::kFloat16) &&
         attention_detail::mma_head_size(p.head_size) && aligned(p.q, 16) && aligned(keys, 16) &&
         aligned(values, 16) && aligned(p.out, 4);
}

KernelArgs base_args(const AttentionProblem& p, const AttentionMasking& m) {
  KernelArgs a{};
  a.out = p.out;
  a.q = p.q;
  a.q_dtype = p.dtype;
  a.num_tokens = static_cast<int>(p.num_tokens);
  a.num_heads = static_cast<int>(p.num_heads);
  a.num_kv_heads = static_cast<int>(p.num_kv_heads);
  a.group = static_cast<int>(p.num_heads / p.num_kv_heads);
  a.head_size = static_cast<int>(p.head_size);
  a.block_size = 1;
  a.block_div = FastDiv::make(1);
  a.scale = m.scale;
  a.softcap = m.softcap;
  a.sliding_window = static_cast<int>(m.sliding_window);
  a.causal = m.causal;
  a.alibi = m.alibi_slopes;
  return a;
}

// Launches one attention pass: `tasks` blocks along x (work items, decode sequences or dense
// tiles) × KV heads (× head groups) along y × `splits` along z.
Status launch(const KernelArgs& args, bool mma, DType kv_dtype, Source source, unsigned tasks, unsigned splits,
              cudaStream_t stream) {
  if (mma) {
    const int heads_per_block = args.group < attention_detail::mma_rows(source) ? args.group
                                                                                 : attention_detail::mma_rows(source);
    const int head_groups = (args.group + heads_per_block - 1) / heads_per_block;
    const dim3 grid(tasks, static_cast<unsigned>(args.num_kv_heads * head_groups), splits);
    return kv_dtype == DType::kFloat16 ? attention_detail::launch_mma_f16(args, source, grid, stream)
                                       : attention_detail::launch_mma_bf16(args, source, grid, stream);
  }
  const dim3 grid(tasks, static_cast<unsigned>(args.num_kv_heads), splits);
  return attention_detail::launch_simt(args, kv_dtype, source, grid, stream);
}

}  // namespace

Status paged_attention(const AttentionProblem& problem, const PagedKVCache& cache, const VarlenBatch& batch,
                       const AttentionSchedule& schedule, const AttentionMasking& masking, cudaStream_t stream) {
  if (!valid_problem(problem) || !float_storage(cache.dtype)) return Status::kUnsupportedDType;
  if (cache.block_size <= 0 || cache.block_size >= (int64_t{1} << 30) || schedule.decode_splits < 0) {
    return Status::kInvalidArgument;
  }
  const bool decode = schedule.decode_splits > 0;
  const int64_t tasks = decode ? batch.num_seqs : schedule.num_work_items;
  // An empty batch (or a table without columns) may come with null pointers: nothing to read.
  if (tasks == 0 || problem.num_tokens == 0) return Status::kOk;
  const bool splits = decode ? schedule.decode_splits > 1 : schedule.num_merge_items > 0;
  if (splits && schedule.partials == nullptr) return Status::kInvalidArgument;

  KernelArgs args = base_args(problem, masking);
  args.cache = cache.data;
  args.num_blocks = cache.num_blocks;
  args.block_size = static_cast<int>(cache.block_size);
  args.block_div = FastDiv::make(args.block_size);
  args.block_tables = batch.block_tables;
  args.max_blocks_per_seq = static_cast<int>(batch.max_blocks_per_seq);
  args.query_start_loc = batch.query_start_loc;
  args.seq_lens = batch.seq_lens;
  args.num_seqs = static_cast<int>(batch.num_seqs);
  args.work_items = schedule.work_items;
  args.decode_splits = static_cast<int>(schedule.decode_splits);
  args.partials = schedule.partials;

  const bool mma = use_mma(problem, cache.dtype, cache.data, cache.data);
  const Source source = decode ? Source::kDecode : Source::kWorkItems;
  const Status status = launch(args, mma, cache.dtype, source, static_cast<unsigned>(tasks),
                               decode ? static_cast<unsigned>(schedule.decode_splits) : 1u, stream);
  if (status != Status::kOk || !splits) return status;
  return attention_detail::launch_merge(args, schedule.merge_items, schedule.num_merge_items, stream);
}

Status dense_attention(const AttentionProblem& problem, const void* k, const void* v, const int32_t* query_start_loc,
                       int64_t num_seqs, const AttentionMasking& masking, cudaStream_t stream) {
  if (!valid_problem(problem)) return Status::kUnsupportedDType;
  if (num_seqs < 0 || num_seqs >= (int64_t{1} << 30)) return Status::kInvalidArgument;
  if (num_seqs == 0 || problem.num_tokens == 0) return Status::kOk;
  KernelArgs args = base_args(problem, masking);
  args.k = k;
  args.v = v;
  args.query_start_loc = query_start_loc;
  args.num_seqs = static_cast<int>(num_seqs);

  const bool mma = use_mma(problem, problem.dtype, k, v);
  // Tiles never straddle sequences: at most ⌈T / tile⌉ + num_seqs of them; extra blocks exit.
  int tile_tokens = attention_detail::kSimtDenseTokens;
  if (mma) {
    const int rows = attention_detail::mma_rows(Source::kDense);
    tile_tokens = rows / (args.group < rows ? args.group : rows);
  }
  const int64_t tasks = (problem.num_tokens + tile_tokens - 1) / tile_tokens + num_seqs;
  return launch(args, mma, problem.dtype, Source::kDense, static_cast<unsigned>(tasks), 1u, stream);
}

}  // namespace vllmts::cuda
