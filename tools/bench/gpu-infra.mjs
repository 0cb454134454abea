#!/usr/bin/env node
// `npm run bench -- gpu-infra [--record]` (or bundled: node .device/bench-gpu-infra.mjs): the
// ceilings the GPU targets are measured against (spec/performance.md), and what the infrastructure
// under the ops costs. On one CUDA device:
//   - device-to-device copy bandwidth (bytes read + written), 2 GiB;
//   - dense bf16 GEMM through cuBLASLt on random data, 8192³, and the Llama-3.1-8B shapes at
//     decode (M = 1: a weight read, so GB/s) and prefill (M = 2048);
//   - uploads from a JS buffer (pinned ring) and downloads into one, 256 MiB;
//   - launching 200 small ops eagerly against replaying them as one CUDA graph.
// Medians of event-timed repetitions after a warm-up.
import {
  CudaEvent,
  captureGraph,
  cublasInfo,
  Device,
  getBackends,
  ops,
  synchronize,
  Tensor,
} from "@vllm-ts/cuda-kernels";
import { median, record } from "./record.mjs";

const device = Device.cuda(0);
if (!getBackends().cuda.available) {
  console.error(`gpu-infra needs a CUDA device: ${getBackends().cuda.reason ?? "none found"}`);
  process.exit(2);
}

/** Median GPU milliseconds of `fn` over `reps` event-timed runs, after `warmup` untimed ones. */
function gpuMs(fn, reps = 10, warmup = 2) {
  for (let i = 0; i < warmup; i++) fn();
  const times = [];
  const start = new CudaEvent(device);
  const end = new CudaEvent(device);
  for (let i = 0; i < reps; i++) {
    start.record();
    fn();
    end.record();
    times.push(end.elapsedSince(start));
  }
  start.dispose();
  end.dispose();
  return median(times);
}

const rows = [];
const add = (what, shape, ms, rate, unit) =>
  rows.push([what, shape, ms.toFixed(4), `${rate.toFixed(1)} ${unit}`]);

{
  const bytes = 2 ** 31;
  const src = Tensor.empty([bytes], { dtype: "uint8", device });
  const dst = Tensor.empty([bytes], { dtype: "uint8", device });
  ops.fill(src, 7);
  const ms = gpuMs(() => ops.copy(dst, src));
  src.dispose();
  dst.dispose();
  add("copy device→device", "2 GiB", ms, (2 * bytes) / (ms * 1e-3) / 1e12, "TB/s");
}

for (const [m, n, k, label] of [
  [8192, 8192, 8192, "square"],
  [1, 4096, 4096, "8B decode q/o"],
  [1, 28672, 4096, "8B decode gate+up"],
  [1, 4096, 14336, "8B decode down"],
  [2048, 28672, 4096, "8B prefill gate+up"],
]) {
  const x = Tensor.empty([m, k], { dtype: "bfloat16", device });
  const w = Tensor.empty([n, k], { dtype: "bfloat16", device });
  const out = Tensor.empty([m, n], { dtype: "bfloat16", device });
  ops.fillUniform(x, -1, 1, 1); // random data: zeros run faster than real weights
  ops.fillUniform(w, -0.05, 0.05, 2);
  const ms = gpuMs(() => ops.cublasLinear(out, x, w), 20, 3);
  for (const t of [x, w, out]) t.dispose();
  const flops = 2 * m * n * k;
  const shape = `${m}×${n}×${k} ${label}`;
  if (m === 1) add("bf16 GEMM (cuBLASLt)", shape, ms, (n * k * 2) / (ms * 1e-3) / 1e9, "GB/s weights");
  else add("bf16 GEMM (cuBLASLt)", shape, ms, flops / (ms * 1e-3) / 1e12, "TFLOP/s");
}

{
  const bytes = 256 * 2 ** 20;
  const host = new Uint8Array(bytes).fill(3);
  const t = Tensor.empty([bytes], { dtype: "uint8", device });
  const uploads = [];
  const downloads = [];
  for (let i = 0; i < 6; i++) {
    synchronize(device);
    let start = performance.now();
    t.copyFromBytes(host);
    synchronize(device);
    uploads.push(performance.now() - start);
    start = performance.now();
    await t.toBytes();
    downloads.push(performance.now() - start);
  }
  t.dispose();
  const up = median(uploads.slice(1));
  const down = median(downloads.slice(1));
  add("upload (JS → pinned ring → device)", "256 MiB", up, bytes / (up * 1e-3) / 1e9, "GB/s");
  add("download (device → pinned → JS)", "256 MiB", down, bytes / (down * 1e-3) / 1e9, "GB/s");
}

{
  const launches = 200;
  const a = Tensor.empty([1024], { device });
  ops.fill(a, 0);
  const step = () => {
    for (let i = 0; i < launches; i++) ops.add(a, a, a);
  };
  const eager = gpuMs(step, 5, 1);
  const graph = captureGraph(device, step);
  const replay = gpuMs(() => graph.replay(), 20, 2);
  graph.dispose();
  a.dispose();
  add("200 small ops, eager launches", "add [1024]", eager, (eager * 1e3) / launches, "µs/op");
  add("200 small ops, one graph replay", "add [1024]", replay, (replay * 1e3) / launches, "µs/op");
}

const header = ["what", "shape", "ms (median)", "rate"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
const info = cublasInfo();
console.log(
  `cuBLASLt: ${info.loaded ? `${info.path} ${info.version}` : info.reason}; fallback GEMMs: ${info.fallbackGemms}`,
);
console.log([line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n"));
record("GPU infrastructure ceilings", "npm run bench -- gpu-infra", header, rows);
