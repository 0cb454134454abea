#!/usr/bin/env node
// The end-to-end benchmarks of spec/performance.md, through the public LLM API:
//   npm run bench -- gpu <w1|w2|w3|w6|all> [--device cuda|cpu] [--requests N] [--enforce-eager]
//   W1  offline throughput, nano-vllm's workload (Qwen3-0.6B shape, 256 requests)   output tok/s
//   W2  batch-1 decode latency (Llama-3.1-8B shape, 128-token prompt, 256 tokens)  ms/token
//   W3  prefill (Llama-3.1-8B shape, 16 × 2048 tokens, maxTokens 1)                 TFLOP/s
//   W6  start-up: new LLM() to the first token (Llama-3.1-8B shape, dummy weights)   s
// Weights are dummy (loadFormat "dummy"); EOS is ignored, so speed does not depend on them.
// Results: a table on stdout, and JSON in $VLLM_TS_BENCH_OUT when set.
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { LLM, SamplingParams } from "@vllm-ts/llm";
import { nanoVllmWorkload } from "./lib/python-random.mjs";
import { commit, machine } from "./record.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const MODELS = join(here, "models");
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    device: { type: "string", default: "cuda" },
    requests: { type: "string" },
    "enforce-eager": { type: "boolean", default: false },
  },
});
const which = positionals[0] ?? "all";
const device = values.device;
const enforceEager = values["enforce-eager"];
const results = { commit: commit(), machine: machine(), device, date: new Date().toISOString().slice(0, 10) };
const rows = [];

// Ceilings and floors of spec/performance.md (one H200).
const GEMM_PEAK_TFLOPS = 790;
const W2_FLOOR_MS = 3.49;
const LLAMA8B_PARAMS = 8.03e9;

async function w1() {
  const { prompts, maxTokens } = nanoVllmWorkload();
  const n = Number(values.requests ?? prompts.length);
  const promptTokens = prompts.slice(0, n).reduce((s, p) => s + p.length, 0);
  const expectedOutput = maxTokens.slice(0, n).reduce((s, m) => s + m, 0);
  const llm = await LLM.create({
    model: join(MODELS, "qwen3-0.6b"),
    loadFormat: "dummy",
    skipTokenizerInit: true,
    maxModelLen: 4096,
    device,
    enforceEager,
  });
  try {
    // nano-vllm's untimed warm-up generate.
    await llm.generate(
      [{ promptTokenIds: [1, 2, 3, 4, 5, 6, 7, 8] }],
      new SamplingParams({ maxTokens: 16 }),
      { useTqdm: false },
    );
    const start = performance.now();
    const outputs = await llm.generate(
      prompts.slice(0, n).map((promptTokenIds) => ({ promptTokenIds })),
      maxTokens
        .slice(0, n)
        .map((m) => new SamplingParams({ temperature: 0.6, ignoreEos: true, maxTokens: m })),
      { useTqdm: false },
    );
    const seconds = (performance.now() - start) / 1000;
    const outputTokens = outputs.reduce((s, o) => s + o.outputs[0].tokenIds.length, 0);
    if (outputTokens !== expectedOutput)
      throw new Error(`W1 produced ${outputTokens} tokens, expected ${expectedOutput}`);
    const tokPerS = outputTokens / seconds;
    const stats = await llm.stats();
    results.w1OutputTokPerS = Math.round(tokPerS);
    results.w1 = { requests: n, promptTokens, outputTokens, seconds, preemptions: stats.numPreemptions };
    rows.push([
      "W1 nano-vllm throughput",
      `${n} req, ${promptTokens} in / ${outputTokens} out`,
      `${Math.round(tokPerS)} tok/s`,
      `${((tokPerS / 24000) * 100).toFixed(0)}% of the 24,000 target`,
    ]);
  } finally {
    await llm.dispose();
  }
}

async function llama8b(extra = {}) {
  return LLM.create({
    model: join(MODELS, "llama-3.1-8b"),
    loadFormat: "dummy",
    skipTokenizerInit: true,
    maxModelLen: 4096,
    device,
    enforceEager,
    ...extra,
  });
}

async function w2(llm) {
  const prompt = { promptTokenIds: Array.from({ length: 128 }, (_, i) => (i * 7919) % 128000) };
  const greedy = (maxTokens) => new SamplingParams({ temperature: 0, ignoreEos: true, maxTokens });
  await llm.generate([prompt], greedy(8), { useTqdm: false });
  const time = async (maxTokens) => {
    const start = performance.now();
    await llm.generate([prompt], greedy(maxTokens), { useTqdm: false });
    return performance.now() - start;
  };
  // Decode time per token: the 256-token run minus the prefill-and-first-token run.
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(((await time(256)) - (await time(1))) / 255);
  const ms = runs.sort((a, b) => a - b)[1];
  results.w2MsPerToken = Number(ms.toFixed(3));
  rows.push([
    "W2 batch-1 decode, 8B",
    "128 in / 256 out, greedy",
    `${ms.toFixed(2)} ms/token`,
    `${((W2_FLOOR_MS / ms) * 100).toFixed(0)}% of the 3.49 ms floor`,
  ]);
}

async function w3(llm) {
  const prompts = Array.from({ length: 16 }, (_, s) => ({
    promptTokenIds: Array.from({ length: 2048 }, (_, i) => (s * 131 + i * 7919) % 128000),
  }));
  const params = new SamplingParams({ temperature: 0, maxTokens: 1 });
  await llm.generate(prompts.slice(0, 2), params, { useTqdm: false });
  const start = performance.now();
  await llm.generate(prompts, params, { useTqdm: false });
  const seconds = (performance.now() - start) / 1000;
  const tokens = 16 * 2048;
  // Linear layers: 2 FLOPs per parameter per token; causal attention: 2 matmuls × 2 FLOPs ×
  // layers × heads × headDim × n²/2 per sequence.
  const attention = (16 * 2 * 2 * 32 * 32 * 128 * (2048 * 2048)) / 2;
  const tflops = (2 * LLAMA8B_PARAMS * tokens + attention) / seconds / 1e12;
  results.w3GemmPeakFraction = Number((tflops / GEMM_PEAK_TFLOPS).toFixed(3));
  results.w3 = { seconds, tflops };
  rows.push([
    "W3 prefill, 8B",
    "16 × 2048 tokens",
    `${tflops.toFixed(0)} TFLOP/s (${seconds.toFixed(2)} s)`,
    `${((tflops / GEMM_PEAK_TFLOPS) * 100).toFixed(0)}% of 790 TFLOP/s`,
  ]);
}

async function w6() {
  const start = performance.now();
  const llm = await llama8b();
  try {
    await llm.generate(
      [{ promptTokenIds: [1, 2, 3] }],
      new SamplingParams({ temperature: 0, maxTokens: 1 }),
      { useTqdm: false },
    );
    const seconds = (performance.now() - start) / 1000;
    results.w6StartupS = Number(seconds.toFixed(2));
    rows.push([
      "W6 start-up, 8B (dummy weights)",
      "new LLM → first token",
      `${seconds.toFixed(1)} s`,
      "target ≤ 15 s",
    ]);
  } finally {
    await llm.dispose();
  }
}

if (which === "w1" || which === "all") await w1();
if (which === "w6" || which === "all") await w6();
if (["w2", "w3", "all"].includes(which)) {
  const llm = await llama8b();
  try {
    if (which === "w2" || which === "all") await w2(llm);
    if (which === "w3" || which === "all") await w3(llm);
  } finally {
    await llm.dispose();
  }
}

const widths = [0, 1, 2, 3].map((c) =>
  Math.max(...[["bench", "workload", "result", "vs"], ...rows].map((r) => String(r[c]).length)),
);
for (const row of [["bench", "workload", "result", "vs"], ...rows])
  console.log(row.map((v, c) => String(v).padEnd(widths[c])).join("  "));
console.log(JSON.stringify(results));
if (process.env.VLLM_TS_BENCH_OUT)
  writeFileSync(process.env.VLLM_TS_BENCH_OUT, JSON.stringify(results, null, 2));
