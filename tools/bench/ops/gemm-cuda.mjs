// Dense GEMMs on CUDA through cuBLASLt (ops.linear on CUDA tensors), bf16 with fp32 accumulation:
// TFLOP/s against the 790 TFLOP/s ceiling (spec/performance.md), and for the weight-bound shapes
// (decode, M = 1) GB/s of weights read against 4.3 TB/s. Shapes: 8192³, and each projection of the
// W1 (Qwen3-0.6B, M = 256 decode batch and M = 1) and W2 (Llama-3.1-8B, M = 1) models. Weights
// rotate among enough copies to exceed the L2, so small matrices are read from memory as in a
// model's forward pass. Plus the CUDA MoE layer (routed FLOPs; it runs E/k times that, see
// native/src/cuda_moe.h). `run({ device: "cuda" })` returns rows for tools/bench/ops.mjs.
import { ops, Tensor } from "@vllm-ts/cuda-kernels";
import { disposeAll, gpuMs, randomTensor } from "../lib/gpu-timing.mjs";

const L2_BYTES = 50 * 2 ** 20;

/** Projections of one layer (and the LM head): [label, N, K]. */
const QWEN3_06B = [
  ["qkv", 4096, 1024],
  ["o", 1024, 2048],
  ["gate+up", 6144, 1024],
  ["down", 1024, 3072],
  ["lm_head", 151936, 1024],
];
const LLAMA_8B = [
  ["qkv", 6144, 4096],
  ["o", 4096, 4096],
  ["gate+up", 28672, 4096],
  ["down", 4096, 14336],
  ["lm_head", 128256, 4096],
];

function gemmRow(label, m, n, k, device) {
  const weightBytes = n * k * 2;
  // Enough weight copies that one pass over them spills the L2 (a model reads each weight once).
  const copies = Math.min(16, Math.max(1, Math.ceil((4 * L2_BYTES) / weightBytes)));
  const x = randomTensor([m, k], "bfloat16", device, 1);
  const weights = Array.from({ length: copies }, (_, i) =>
    randomTensor([n, k], "bfloat16", device, 2 + i, -0.05, 0.05),
  );
  const out = Tensor.empty([m, n], { dtype: "bfloat16", device });
  try {
    const big = 2 * m * n * k > 1e12;
    const ms = gpuMs(device, (i) => ops.linear(out, x, weights[i % copies]), {
      launches: big ? 3 : 20,
      samples: big ? 5 : 7,
    });
    const bytes = weightBytes + (m * k + m * n) * 2;
    return {
      op: "linear (cuBLASLt)",
      shape: `${label} M=${m} N=${n} K=${k}`,
      dtype: "bfloat16",
      ms,
      gflops: (2 * m * n * k) / ms / 1e6,
      gbps: bytes / ms / 1e6,
    };
  } finally {
    disposeAll([x, out, ...weights]);
  }
}

function moeRow(tokens, device) {
  // Mixtral-8x7B's layer: 8 experts, top-2, hidden 4096, intermediate 14336.
  const [h, inter, experts, k] = [4096, 14336, 8, 2];
  const t = {
    x: randomTensor([tokens, h], "bfloat16", device, 1),
    w13: randomTensor([experts, 2 * inter, h], "bfloat16", device, 2, -0.05, 0.05),
    w2: randomTensor([experts, h, inter], "bfloat16", device, 3, -0.05, 0.05),
    weights: Tensor.full([tokens, k], 0.5, { device }),
    ids: Tensor.fromArray(
      Int32Array.from({ length: tokens * k }, (_, i) => (i * 3) % experts),
      { shape: [tokens, k], device },
    ),
    out: Tensor.empty([tokens, h], { dtype: "bfloat16", device }),
  };
  try {
    const ms = gpuMs(device, () => ops.moeExperts(t.out, t.x, t.w13, t.w2, t.weights, t.ids), {
      launches: 2,
      samples: 5,
      warmup: 1,
    });
    const routed = tokens * k * 2 * 3 * h * inter;
    const weightBytes = experts * 3 * h * inter * 2;
    return {
      op: "moeExperts (routed FLOPs)",
      shape: `T=${tokens} E=${experts} k=${k} H=${h} I=${inter}`,
      dtype: "bfloat16",
      ms,
      gflops: routed / ms / 1e6,
      gbps: weightBytes / ms / 1e6,
    };
  } finally {
    disposeAll(t);
  }
}

export async function run({ device = "cpu" } = {}) {
  if (device !== "cuda") return [];
  const rows = [gemmRow("square", 8192, 8192, 8192, device)];
  for (const [label, n, k] of QWEN3_06B) {
    rows.push(gemmRow(`Qwen3-0.6B ${label}`, 256, n, k, device));
    rows.push(gemmRow(`Qwen3-0.6B ${label}`, 1, n, k, device));
  }
  for (const [label, n, k] of LLAMA_8B) rows.push(gemmRow(`Llama-8B ${label}`, 1, n, k, device));
  rows.push(moeRow(1, device), moeRow(4096, device));
  return rows;
}
