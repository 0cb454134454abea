#!/usr/bin/env node
// `npm run bench -- attention [--cuda] [--record]` (bundled for the GPU host:
// `node .device/bench-attention.mjs --cuda`): the attention and KV-cache rows of
// tools/bench/ops/attention.mjs, each with its fraction of the measured ceiling. W4 targets
// (spec/performance.md): paged decode ≥ 75% of the copy bandwidth at batch ≥ 64 and context ≥ 1K;
// prefill ≥ 50% of the GEMM rate; memory-bound ops (the cache write) ≥ 80%.
import { getBackends } from "@vllm-ts/cuda-kernels";
import { run } from "./ops/attention.mjs";
import { record } from "./record.mjs";

const device = process.argv.includes("--cuda") ? "cuda" : "cpu";
if (device === "cuda" && !getBackends().cuda.available) {
  console.error(`attention --cuda needs a CUDA device: ${getBackends().cuda.reason ?? "none found"}`);
  process.exit(2);
}

const TARGETS = { "pagedAttention decode": 0.75, "pagedAttention prefill": 0.5, reshapeAndCache: 0.8 };
const rows = await run({ device });
const header = ["op", "shape", "dtype", "ms", "rate", "of ceiling", "target"];
const table = rows.map((row) => [
  row.op,
  row.shape,
  row.dtype,
  row.ms.toFixed(4),
  row.gbps !== undefined ? `${row.gbps.toFixed(1)} GB/s` : `${(row.gflops / 1000).toFixed(1)} TFLOP/s`,
  row.ceiling === undefined ? "" : `${(100 * row.ceiling).toFixed(1)}%`,
  row.ceiling === undefined ? "" : `≥ ${100 * TARGETS[row.op]}%`,
]);
const widths = header.map((title, i) => Math.max(title.length, ...table.map((cells) => cells[i].length)));
const line = (cells) =>
  cells.map((cell, i) => (i >= 3 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join("  ");
console.log(
  device === "cpu"
    ? "attention on cpu (median host ms after warm-up)"
    : `attention on ${device} (median GPU ms from CUDA events after warm-up; ceilings 4.3 TB/s copy, 790 TFLOP/s GEMM)`,
);
console.log(line(header));
for (const cells of table) console.log(line(cells));
record(
  `attention (${device})`,
  `npm run bench -- attention${device === "cuda" ? " --cuda" : ""}`,
  header,
  table,
);
