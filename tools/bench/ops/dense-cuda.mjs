// The memory-bound dense ops on CUDA (spec/performance.md W4): achieved GB/s at sizes that fill an
// H200 (hundreds of MB per call, far beyond the 50 MB L2), against the 4.3 TB/s copy ceiling.
// Bytes are the fewest each op must move: every input read once, every output written once.
// `run({ device: "cuda" })` returns rows for tools/bench/ops.mjs (none on the CPU: dense.mjs covers
// it); tools/bench/gpu-dense.mjs prints them with their ratios.
import { ops, rotaryCacheTensor, Tensor } from "@vllm-ts/cuda-kernels";
import { DTYPE_BYTES, disposeAll, gpuMs, randomTensor } from "../lib/gpu-timing.mjs";

const [T, H] = [32768, 4096]; // a long prefill of an 8B model: 256 MiB of bf16 activations
const INTER = 14336;
const VOCAB = 151936;
const SCATTER = 2048;

/** Times `fn` over tensors made by `make`, then frees them. `bytes` per call gives GB/s. */
function row(op, shape, dtype, bytes, make, fn, device) {
  const tensors = make();
  try {
    const ms = gpuMs(device, () => fn(tensors));
    return { op, shape, dtype, ms, gbps: bytes / ms / 1e6 };
  } finally {
    disposeAll(tensors);
  }
}

function normRows(device, dtype) {
  const e = DTYPE_BYTES[dtype];
  const headRows = T * 16; // Qwen3's per-head q/k norm: rows of head_dim 128
  return [
    row(
      "rmsNorm",
      `${T}×${H}`,
      dtype,
      2 * T * H * e,
      () => ({
        x: randomTensor([T, H], dtype, device, 1),
        w: randomTensor([H], dtype, device, 2),
        out: Tensor.empty([T, H], { dtype, device }),
      }),
      (t) => ops.rmsNorm(t.out, t.x, t.w, 1e-6),
      device,
    ),
    row(
      "rmsNorm (head norm)",
      `${headRows}×128`,
      dtype,
      2 * headRows * 128 * e,
      () => ({
        x: randomTensor([headRows, 128], dtype, device, 1),
        w: randomTensor([128], dtype, device, 2),
      }),
      (t) => ops.rmsNorm(t.x, t.x, t.w, 1e-6),
      device,
    ),
    row(
      "fusedAddRmsNorm",
      `${T}×${H}`,
      dtype,
      4 * T * H * e,
      () => ({
        x: randomTensor([T, H], dtype, device, 1),
        r: randomTensor([T, H], dtype, device, 3),
        w: randomTensor([H], dtype, device, 2),
      }),
      (t) => ops.fusedAddRmsNorm(t.x, t.r, t.w, 1e-6),
      device,
    ),
    row(
      "layerNorm",
      `${T}×${H}`,
      dtype,
      2 * T * H * e,
      () => ({
        x: randomTensor([T, H], dtype, device, 1),
        w: randomTensor([H], dtype, device, 2),
        b: randomTensor([H], dtype, device, 4),
        out: Tensor.empty([T, H], { dtype, device }),
      }),
      (t) => ops.layerNorm(t.out, t.x, t.w, t.b, 1e-5),
      device,
    ),
    row(
      "l2Normalize",
      `${T}×${H}`,
      dtype,
      2 * T * H * e,
      () => ({ x: randomTensor([T, H], dtype, device, 1), out: Tensor.empty([T, H], { dtype, device }) }),
      (t) => ops.l2Normalize(t.out, t.x),
      device,
    ),
  ];
}

function activationRows(device, dtype) {
  const e = DTYPE_BYTES[dtype];
  const m = 8192;
  const gated = (op, fn) =>
    row(
      op,
      `${m}×2·${INTER}`,
      dtype,
      3 * m * INTER * e,
      () => ({
        x: randomTensor([m, 2 * INTER], dtype, device, 5, -4, 4),
        out: Tensor.empty([m, INTER], { dtype, device }),
      }),
      fn,
      device,
    );
  const n = T * H;
  return [
    gated("siluAndMul", (t) => ops.siluAndMul(t.out, t.x)),
    gated("geluAndMul (tanh)", (t) => ops.geluAndMul(t.out, t.x, { approximate: "tanh" })),
    row(
      "silu",
      `${n}`,
      dtype,
      2 * n * e,
      () => ({ x: randomTensor([n], dtype, device, 6, -4, 4), out: Tensor.empty([n], { dtype, device }) }),
      (t) => ops.silu(t.out, t.x),
      device,
    ),
    row(
      "gelu (erf)",
      `${n}`,
      dtype,
      2 * n * e,
      () => ({ x: randomTensor([n], dtype, device, 6, -4, 4), out: Tensor.empty([n], { dtype, device }) }),
      (t) => ops.gelu(t.out, t.x),
      device,
    ),
    row(
      "mul (row broadcast)",
      `${T}×${H} · ${H}`,
      dtype,
      2 * n * e,
      () => ({
        a: randomTensor([T, H], dtype, device, 7),
        b: randomTensor([H], dtype, device, 8),
        out: Tensor.empty([T, H], { dtype, device }),
      }),
      (t) => ops.mul(t.out, t.a, t.b),
      device,
    ),
  ];
}

function lookupRows(device, dtype) {
  const e = DTYPE_BYTES[dtype];
  const spread = Int32Array.from({ length: T }, (_, i) => (i * 7919) % 128256);
  const permutation = Int32Array.from({ length: SCATTER }, (_, i) => (i * 7919) % SCATTER); // odd × 2^k: a permutation
  // Rotary on Llama-3-8B heads (32 query + 8 key heads of 128), positions 0…T−1: q and k read and
  // written once, plus one float32 cos/sin row per token.
  const rotaryBytes = 2 * T * 40 * 128 * e + T * 128 * 4;
  return [
    row(
      "embedding",
      `${T} ids, 128256×${H}`,
      dtype,
      2 * T * H * e,
      () => ({
        w: randomTensor([128256, H], dtype, device, 9),
        ids: Tensor.fromArray(spread, { device }),
        out: Tensor.empty([T, H], { dtype, device }),
      }),
      (t) => ops.embedding(t.out, t.w, t.ids),
      device,
    ),
    // Batch-sized index lists, as the sampler's row scatters are (each row looks for a later
    // repeat of its target, which is quadratic in the list), with wide rows to fill the chip.
    row(
      "scatterRows",
      `${SCATTER} rows of ${16 * H}`,
      dtype,
      2 * SCATTER * 16 * H * e,
      () => ({
        x: randomTensor([SCATTER, 16 * H], dtype, device, 10),
        at: Tensor.fromArray(permutation, { device }),
        out: Tensor.empty([SCATTER, 16 * H], { dtype, device }),
      }),
      (t) => ops.scatterRows(t.out, t.x, t.at),
      device,
    ),
    row(
      "rotaryEmbedding (NeoX)",
      `${T} tokens, 32+8 heads, d128`,
      dtype,
      rotaryBytes,
      () => ({
        q: randomTensor([T, 32 * 128], dtype, device, 11),
        k: randomTensor([T, 8 * 128], dtype, device, 12),
        pos: Tensor.fromArray(
          Int32Array.from({ length: T }, (_, i) => i),
          { device },
        ),
        cache: rotaryCacheTensor({ headSize: 128, maxPositions: T, base: 500000 }, device),
      }),
      (t) => ops.rotaryEmbedding(t.q, t.k, t.pos, t.cache, { headSize: 128, neox: true }),
      device,
    ),
    row(
      "meanPool",
      `${2 * T}×${H} → 64 sequences`,
      dtype,
      2 * T * H * e + 64 * H * 4,
      () => ({
        x: randomTensor([2 * T, H], dtype, device, 13),
        loc: Tensor.fromArray(
          Int32Array.from({ length: 65 }, (_, s) => s * 1024),
          { device },
        ),
        out: Tensor.empty([64, H], { device }),
      }),
      (t) => ops.meanPool(t.out, t.x, t.loc),
      device,
    ),
  ];
}

function logitsRows(device) {
  const rows = 256;
  const bytes = rows * VOCAB * 4;
  const logits = () => ({
    x: randomTensor([rows, VOCAB], "float32", device, 14, -20, 20),
    out: Tensor.empty([rows, VOCAB], { device }),
  });
  return [
    row("softmax", `${rows}×${VOCAB}`, "float32", 2 * bytes, logits, (t) => ops.softmax(t.out, t.x), device),
    row(
      "logSoftmax",
      `${rows}×${VOCAB}`,
      "float32",
      2 * bytes,
      logits,
      (t) => ops.logSoftmax(t.out, t.x),
      device,
    ),
    row(
      "argmax",
      `${rows}×${VOCAB}`,
      "float32",
      bytes,
      () => ({
        x: randomTensor([rows, VOCAB], "float32", device, 14, -20, 20),
        out: Tensor.empty([rows], { dtype: "int32", device }),
      }),
      (t) => ops.argmax(t.out, t.x),
      device,
    ),
    row(
      "topk k=50",
      `${rows}×${VOCAB}`,
      "float32",
      bytes,
      () => ({
        x: randomTensor([rows, VOCAB], "float32", device, 14, -20, 20),
        v: Tensor.empty([rows, 50], { device }),
        i: Tensor.empty([rows, 50], { dtype: "int32", device }),
      }),
      (t) => ops.topk(t.v, t.i, t.x),
      device,
    ),
    row(
      "moeRoute",
      `${2 * T} tokens × 64 experts, k=8`,
      "bfloat16",
      2 * T * (64 * 2 + 8 * 8),
      () => ({
        x: randomTensor([2 * T, 64], "bfloat16", device, 15, -4, 4),
        w: Tensor.empty([2 * T, 8], { device }),
        i: Tensor.empty([2 * T, 8], { dtype: "int32", device }),
      }),
      (t) => ops.moeRoute(t.w, t.i, t.x, { renormalize: true }),
      device,
    ),
  ];
}

export async function run({ device = "cpu" } = {}) {
  if (device !== "cuda") return [];
  return [
    ...normRows(device, "bfloat16"),
    ...activationRows(device, "bfloat16"),
    ...lookupRows(device, "bfloat16"),
    ...logitsRows(device),
  ];
}
