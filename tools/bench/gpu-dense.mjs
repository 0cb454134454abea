#!/usr/bin/env node
// `npm run bench -- gpu-dense [--record]` (bundled for the GPU host: node .device/bench-gpu-dense.mjs,
// the `dense` step of tools/gpu/run.sh): the dense CUDA kernels against the H200's ceilings
// (spec/performance.md W4). Memory-bound ops in GB/s and % of the 4.3 TB/s copy ceiling (target
// ≥ 80%); cuBLASLt GEMMs in TFLOP/s and % of 790 TFLOP/s, and at M = 1 the weights' GB/s. Rows
// come from tools/bench/ops/{dense-cuda,gemm-cuda}.mjs; GPU time from CUDA events.
import { cublasInfo, getBackends } from "@vllm-ts/cuda-kernels";
import { COPY_GBPS, GEMM_GFLOPS } from "./lib/gpu-timing.mjs";
import { run as denseRows } from "./ops/dense-cuda.mjs";
import { run as gemmRows } from "./ops/gemm-cuda.mjs";
import { record } from "./record.mjs";

if (!getBackends().cuda.available) {
  console.error(`gpu-dense needs a CUDA device: ${getBackends().cuda.reason ?? "none found"}`);
  process.exit(2);
}

const percent = (value, ceiling) => `${((100 * value) / ceiling).toFixed(0)}%`;
const rows = [...(await denseRows({ device: "cuda" })), ...(await gemmRows({ device: "cuda" }))];
const header = ["op", "shape", "dtype", "ms", "GB/s", "of 4.3 TB/s", "TFLOP/s", "of 790"];
const table = rows.map((r) => [
  r.op,
  r.shape,
  r.dtype,
  r.ms < 0.1 ? r.ms.toFixed(4) : r.ms.toFixed(3),
  r.gbps === undefined ? "" : r.gbps.toFixed(0),
  r.gbps === undefined ? "" : percent(r.gbps, COPY_GBPS),
  r.gflops === undefined ? "" : (r.gflops / 1000).toFixed(1),
  r.gflops === undefined ? "" : percent(r.gflops, GEMM_GFLOPS),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((cells) => cells[i].length)));
const line = (cells) =>
  cells.map((c, i) => (i >= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
const info = cublasInfo();
console.log(
  `cuBLASLt: ${info.loaded ? `${info.path} ${info.version}` : info.reason}; fallback GEMMs: ${info.fallbackGemms}`,
);
console.log([line(header), widths.map((w) => "-".repeat(w)).join("  "), ...table.map(line)].join("\n"));
record("GPU dense op rooflines", "npm run bench -- gpu-dense", header, table);
