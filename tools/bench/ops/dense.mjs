// Dense op timings: GEMM (square, decode GEMV and small-batch shapes of a Llama-3-8B layer), the
// memory-bound row ops at a 1024-token prefill (norms, SiLU-and-mul, rotary, embedding), logits
// reductions at a 128K vocabulary, and a Mixtral-shaped MoE layer. `run()` returns rows for
// tools/bench/ops.mjs; run this file directly to print them.
import { pathToFileURL } from "node:url";
import { Device, ops, rotaryCacheTensor, synchronize, Tensor } from "@vllm-ts/cuda-kernels";
import { median } from "../record.mjs";

const SIZES = { float32: 4, bfloat16: 2, float16: 2, int32: 4 };

/** Median milliseconds of `fn` after warm-up, waiting for the device each time. */
function time(fn, spec, { warmup = 2, iterations = 7 } = {}) {
  const device = Device.parse(spec);
  for (let i = 0; i < warmup; i++) fn();
  synchronize(device);
  const samples = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    fn();
    synchronize(device);
    samples.push(performance.now() - start);
  }
  return median(samples);
}

/** Creates tensors (values do not change the timings), times `fn(tensors)`, disposes them. */
function measure(specs, fn, device, options) {
  const tensors = specs.map(([shape, dtype, value = 0.01]) => Tensor.full(shape, value, { dtype, device }));
  try {
    return time(() => fn(...tensors), device, options);
  } finally {
    for (const t of tensors) t.dispose();
  }
}

function linearRow(m, n, k, dtype, device) {
  const iterations = m * n * k > 2 ** 31 ? 3 : 7;
  const ms = measure(
    [
      [[m, k], dtype],
      [[n, k], dtype],
      [[m, n], dtype],
    ],
    (x, w, out) => ops.linear(out, x, w),
    device,
    { warmup: 1, iterations },
  );
  const bytes = (m * k + n * k + m * n) * SIZES[dtype];
  return {
    op: "linear",
    shape: `M=${m} N=${n} K=${k}`,
    dtype,
    ms,
    gflops: (2 * m * n * k) / ms / 1e6,
    gbps: bytes / ms / 1e6,
  };
}

/** A memory-bound op: `bytes` moved per call. */
function streamRow(op, shape, dtype, specs, fn, bytes, device) {
  const ms = measure(specs, fn, device);
  return { op, shape, dtype, ms, gbps: bytes / ms / 1e6 };
}

function rowOps(dtype, device) {
  const [t, h, inter] = [1024, 4096, 14336];
  const e = SIZES[dtype];
  const rows = [
    streamRow(
      "rmsNorm",
      `${t}×${h}`,
      dtype,
      [
        [[t, h], dtype],
        [[h], dtype],
        [[t, h], dtype],
      ],
      (x, w, out) => ops.rmsNorm(out, x, w, 1e-5),
      2 * t * h * e,
      device,
    ),
    streamRow(
      "fusedAddRmsNorm",
      `${t}×${h}`,
      dtype,
      [
        [[t, h], dtype],
        [[t, h], dtype],
        [[h], dtype],
      ],
      (x, r, w) => ops.fusedAddRmsNorm(x, r, w, 1e-5),
      4 * t * h * e,
      device,
    ),
    streamRow(
      "siluAndMul",
      `${t}×2·${inter}`,
      dtype,
      [
        [[t, 2 * inter], dtype],
        [[t, inter], dtype],
      ],
      (x, out) => ops.siluAndMul(out, x),
      3 * t * inter * e,
      device,
    ),
  ];
  // Ids spread over the vocabulary, as real text is.
  const ids = Tensor.fromArray(
    Int32Array.from({ length: t }, (_, i) => (i * 7919) % 128256),
    { device },
  );
  rows.push(
    streamRow(
      "embedding",
      `${t} ids, 128256×${h}`,
      dtype,
      [
        [[128256, h], dtype],
        [[t, h], dtype],
      ],
      (w, out) => ops.embedding(out, w, ids),
      2 * t * h * e,
      device,
    ),
  );
  ids.dispose();
  // Rotary: 32 query + 8 key heads of 128, positions 0..1023.
  const cache = rotaryCacheTensor({ headSize: 128, maxPositions: t, base: 500000 }, device);
  const positions = Tensor.fromArray(
    Int32Array.from({ length: t }, (_, i) => i),
    { device },
  );
  rows.push(
    streamRow(
      "rotaryEmbedding",
      `${t} tokens, 32+8 heads, d128`,
      dtype,
      [
        [[t, 32 * 128], dtype],
        [[t, 8 * 128], dtype],
      ],
      (q, k) => ops.rotaryEmbedding(q, k, positions, cache, { headSize: 128, neox: true }),
      2 * t * 40 * 128 * e,
      device,
    ),
  );
  cache.dispose();
  positions.dispose();
  return rows;
}

function logitsOps(device) {
  const [rows, vocab] = [16, 128256];
  const bytes = rows * vocab * 4;
  return [
    streamRow(
      "softmax",
      `${rows}×${vocab}`,
      "float32",
      [
        [[rows, vocab], "float32"],
        [[rows, vocab], "float32"],
      ],
      (x, out) => ops.softmax(out, x),
      2 * bytes,
      device,
    ),
    streamRow(
      "logSoftmax",
      `${rows}×${vocab}`,
      "float32",
      [
        [[rows, vocab], "float32"],
        [[rows, vocab], "float32"],
      ],
      (x, out) => ops.logSoftmax(out, x),
      2 * bytes,
      device,
    ),
    streamRow(
      "argmax",
      `${rows}×${vocab}`,
      "float32",
      [
        [[rows, vocab], "float32"],
        [[rows], "int32"],
      ],
      (x, out) => ops.argmax(out, x),
      bytes,
      device,
    ),
    streamRow(
      "topk k=20",
      `${rows}×${vocab}`,
      "float32",
      [
        [[rows, vocab], "float32"],
        [[rows, 20], "float32"],
        [[rows, 20], "int32"],
      ],
      (x, v, i) => ops.topk(v, i, x),
      bytes,
      device,
    ),
  ];
}

function moeRow(tokens, dtype, device) {
  // Mixtral-8x7B's expert shapes, cut to 1024 hidden / 3584 intermediate to keep the run short.
  const [h, inter, experts, k] = [1024, 3584, 8, 2];
  const ids = Tensor.fromArray(
    Int32Array.from({ length: tokens * k }, (_, i) => (i * 3) % experts),
    { shape: [tokens, k], device },
  );
  const ms = measure(
    [
      [[tokens, h], dtype],
      [[experts, 2 * inter, h], dtype],
      [[experts, h, inter], dtype],
      [[tokens, k], "float32", 0.5],
      [[tokens, h], dtype],
    ],
    (x, w13, w2, weights, out) => ops.moeExperts(out, x, w13, w2, weights, ids),
    device,
    { warmup: 1, iterations: 5 },
  );
  ids.dispose();
  const flops = tokens * k * 2 * (3 * h * inter);
  return {
    op: "moeExperts",
    shape: `T=${tokens} E=${experts} k=${k} H=${h} I=${inter}`,
    dtype,
    ms,
    gflops: flops / ms / 1e6,
  };
}

export async function run({ device = "cpu" } = {}) {
  const rows = [
    linearRow(1024, 1024, 1024, "float32", device),
    linearRow(1024, 1024, 1024, "bfloat16", device),
    linearRow(1, 4096, 4096, "float32", device),
    linearRow(1, 4096, 4096, "bfloat16", device),
    linearRow(8, 4096, 4096, "bfloat16", device),
    linearRow(16, 4096, 4096, "bfloat16", device),
    linearRow(64, 4096, 4096, "bfloat16", device),
    linearRow(512, 4096, 4096, "bfloat16", device),
  ];
  rows.push(...rowOps("bfloat16", device), ...logitsOps(device));
  rows.push(moeRow(1, "bfloat16", device), moeRow(64, "bfloat16", device));
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const device = process.argv.includes("--cuda") ? "cuda" : "cpu";
  for (const row of await run({ device })) {
    const rate = [
      row.gflops && `${row.gflops.toFixed(1)} GFLOP/s`,
      row.gbps && `${row.gbps.toFixed(1)} GB/s`,
    ];
    console.log(
      `${row.op.padEnd(16)} ${row.shape.padEnd(36)} ${row.dtype.padEnd(9)} ${row.ms.toFixed(3).padStart(9)} ms  ${rate.filter(Boolean).join("  ")}`,
    );
  }
}
