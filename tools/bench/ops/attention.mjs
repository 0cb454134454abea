// Attention and KV-cache op timings, Llama-3-8B head geometry (32 query heads, 8 KV heads, head
// size 128), block size 16. `run()` returns rows for tools/bench/ops.mjs (tools/bench/attention.mjs
// prints them with their ceilings).
//   CPU:  paged decode (16 sequences × 1024 tokens of context), a 1024-token causal prefill, the
//         cache write of 1024 tokens.
//   CUDA: spec/performance.md W4. Paged decode at batch 64 and 256 × context 1K and 4K in GB/s
//         (K/V bytes read + q read + out written) against the 4.3 TB/s copy ceiling; one 4K-token
//         causal prefill in TFLOP/s (4·heads·headSize FLOPs per visible query-key pair) against
//         the 790 TFLOP/s GEMM ceiling; the cache write of 16K tokens (134 MB moved) in GB/s. GPU time from CUDA
//         events, medians after warm-up; decode plans take host copies of the metadata, as the
//         model runner passes them.
import { Device, ops, synchronize, Tensor, time } from "@vllm-ts/cuda-kernels";
import { median } from "../record.mjs";

const HEADS = 32;
const KV_HEADS = 8;
const HEAD_SIZE = 128;
const BLOCK = 16;
const SIZES = { float32: 4, bfloat16: 2, float16: 2 };
/** Ceilings measured on the H200 (spec/performance.md). */
export const COPY_GBPS = 4300;
export const GEMM_GFLOPS = 790_000;

/** Median milliseconds of `fn`: CUDA-event GPU time on a GPU, host time on the CPU. */
function measure(fn, spec, { warmup = 2, iterations = 7 } = {}) {
  const device = Device.parse(spec);
  for (let i = 0; i < warmup; i++) fn();
  synchronize(device);
  const samples = [];
  for (let i = 0; i < iterations; i++) samples.push(time(device, fn));
  return median(samples);
}

/** A batch of `numSeqs` sequences with `qLen` new tokens each and `seqLen` tokens in all. */
function batch(numSeqs, qLen, seqLen, dtype, device) {
  const blocksPerSeq = Math.ceil(seqLen / BLOCK);
  const numBlocks = numSeqs * blocksPerSeq + 1;
  const tokens = numSeqs * qLen;
  // Block ids interleaved across sequences, as a long-running cache hands them out.
  const tables = new Int32Array(numSeqs * blocksPerSeq);
  for (let s = 0; s < numSeqs; s++) {
    for (let b = 0; b < blocksPerSeq; b++) tables[s * blocksPerSeq + b] = 1 + b * numSeqs + s;
  }
  // Random values: constant or zero data can time faster than real data does.
  const kvCache = Tensor.empty(ops.kvCacheShape(numBlocks, BLOCK, KV_HEADS, HEAD_SIZE), { dtype, device });
  ops.fillUniform(kvCache, -1, 1, 1);
  const q = Tensor.empty([tokens, HEADS, HEAD_SIZE], { dtype, device });
  ops.fillUniform(q, -1, 1, 2);
  const out = Tensor.empty([tokens, HEADS, HEAD_SIZE], { dtype, device });
  const queryStartLocHost = Int32Array.from({ length: numSeqs + 1 }, (_, s) => s * qLen);
  const seqLensHost = new Int32Array(numSeqs).fill(seqLen);
  const metadata = {
    queryStartLoc: Tensor.fromArray(queryStartLocHost, { device }),
    seqLens: Tensor.fromArray(seqLensHost, { device }),
    blockTables: Tensor.fromArray(tables, { shape: [numSeqs, blocksPerSeq], device }),
    maxQueryLen: qLen,
    maxSeqLen: seqLen,
    queryStartLocHost,
    seqLensHost,
    blockTablesHost: tables,
  };
  const params = {
    scale: 1 / Math.sqrt(HEAD_SIZE),
    numKvHeads: KV_HEADS,
    numHeads: HEADS,
    headSize: HEAD_SIZE,
  };
  const plan = ops.planAttention(metadata, params);
  const workspace = Tensor.empty([Math.max(1, ops.attentionWorkspaceBytes(plan))], {
    dtype: "uint8",
    device,
  });
  const tensors = [
    kvCache,
    q,
    out,
    workspace,
    metadata.queryStartLoc,
    metadata.seqLens,
    metadata.blockTables,
  ];
  return {
    plan,
    run: () => ops.pagedAttention(out, q, kvCache, plan, { ...params, workspace }),
    dispose: () => {
      plan.dispose();
      for (const t of tensors) t.dispose();
    },
  };
}

function decodeRow(numSeqs, context, dtype, device) {
  const b = batch(numSeqs, 1, context, dtype, device);
  const splits = b.plan.decodeSplits;
  const ms = measure(b.run, device, { warmup: 3, iterations: 20 });
  b.dispose();
  const e = SIZES[dtype];
  const bytes = numSeqs * context * KV_HEADS * HEAD_SIZE * 2 * e + 2 * numSeqs * HEADS * HEAD_SIZE * e;
  const gbps = bytes / ms / 1e6;
  return {
    op: "pagedAttention decode",
    shape: `${numSeqs} seqs × ${context} ctx, ${HEADS}/${KV_HEADS} heads, d${HEAD_SIZE}${splits > 1 ? `, ${splits} splits` : ""}`,
    dtype,
    ms,
    gbps,
    ceiling: device === "cpu" ? undefined : gbps / COPY_GBPS,
  };
}

function prefillRow(tokens, dtype, device) {
  const b = batch(1, tokens, tokens, dtype, device);
  const ms = measure(b.run, device, { warmup: 2, iterations: device === "cpu" ? 5 : 20 });
  b.dispose();
  // Causal: query i meets i + 1 keys; 2 FLOPs per multiply-add, for q·k and p·v.
  const flops = 4 * HEADS * HEAD_SIZE * ((tokens * (tokens + 1)) / 2);
  const gflops = flops / ms / 1e6;
  return {
    op: "pagedAttention prefill",
    shape: `1 × ${tokens} tokens, causal, ${HEADS}/${KV_HEADS} heads, d${HEAD_SIZE}`,
    dtype,
    ms,
    gflops,
    ceiling: device === "cpu" ? undefined : gflops / GEMM_GFLOPS,
  };
}

function cacheWriteRow(tokens, dtype, device) {
  const numBlocks = tokens / BLOCK + 1;
  const kvCache = Tensor.zeros(ops.kvCacheShape(numBlocks, BLOCK, KV_HEADS, HEAD_SIZE), { dtype, device });
  const k = Tensor.empty([tokens, KV_HEADS, HEAD_SIZE], { dtype, device });
  ops.fillUniform(k, -1, 1, 3);
  const slots = Tensor.fromArray(
    Int32Array.from({ length: tokens }, (_, t) => BLOCK + t),
    { device },
  );
  const ms = measure(() => ops.reshapeAndCache(kvCache, k, k, slots), device, { warmup: 2, iterations: 20 });
  for (const t of [kvCache, k, slots]) t.dispose();
  const bytes = 2 * 2 * tokens * KV_HEADS * HEAD_SIZE * SIZES[dtype]; // read and write, keys and values
  const gbps = bytes / ms / 1e6;
  return {
    op: "reshapeAndCache",
    shape: `${tokens} tokens, ${KV_HEADS} heads, d${HEAD_SIZE}`,
    dtype,
    ms,
    gbps,
    ceiling: device === "cpu" ? undefined : gbps / COPY_GBPS,
  };
}

export async function run({ device = "cpu", dtypes } = {}) {
  const rows = [];
  if (device === "cpu") {
    for (const dtype of dtypes ?? ["bfloat16", "float32"]) {
      rows.push(
        decodeRow(16, 1024, dtype, device),
        prefillRow(1024, dtype, device),
        cacheWriteRow(1024, dtype, device),
      );
    }
    return rows;
  }
  for (const dtype of dtypes ?? ["bfloat16"]) {
    for (const numSeqs of [64, 256]) {
      for (const context of [1024, 4096]) rows.push(decodeRow(numSeqs, context, dtype, device));
    }
    rows.push(prefillRow(4096, dtype, device), cacheWriteRow(16384, dtype, device));
  }
  return rows;
}
