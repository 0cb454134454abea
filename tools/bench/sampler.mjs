#!/usr/bin/env node
// The default sampler's cost per engine step on the CPU: 256 running requests over a
// 151,936-token vocabulary (Qwen2's), a quarter each greedy, temperature + top-p, penalties +
// top-k, and logprobs=5 with plain temperature sampling; then each kind alone. Median µs per step
// after warm-up; each step's logits are restored outside the timed region (the sampler overwrites
// them).
//
//   npm run bench -- sampler [--steps N] [--device cpu|cuda] [--record]
import { performance } from "node:perf_hooks";
import { Device, ops, synchronize, Tensor } from "@vllm-ts/cuda-kernels";
import {
  createSamplingRequestState,
  DefaultSampler,
  SamplingBatchBuilder,
  SamplingParams,
  SeedSource,
} from "@vllm-ts/sampling";
import { median, record } from "./record.mjs";

const VOCAB = 151_936;
const REQUESTS = 256;
const PROMPT = 256;
const WARMUP = 3;
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const STEPS = arg("--steps", 20);
const DEVICE = process.argv.includes("--device") ? process.argv[process.argv.indexOf("--device") + 1] : "cpu";

const MIXES = {
  greedy: { temperature: 0 },
  "temperature + top-p": { temperature: 0.8, topP: 0.95 },
  "penalties + top-k": {
    temperature: 0.7,
    topK: 50,
    repetitionPenalty: 1.1,
    frequencyPenalty: 0.3,
    presencePenalty: 0.3,
  },
  "logprobs=5": { temperature: 1, logprobs: 5 },
};

// Logits shaped like a language model's: a Gaussian-like tail (sd 1) over the vocabulary, and a few
// strong tokens per row; three rows in four are confident (the top tokens hold nearly all the mass),
// one in four is uncertain (the tail holds most of it, so top-p keeps tens of thousands of tokens).
function makeLogits(rows) {
  const data = new Float32Array(rows * VOCAB);
  let state = 12345;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  for (let i = 0; i < data.length; i++) data[i] = 2 * (next() + next() + next() - 1.5);
  for (let r = 0; r < rows; r++) {
    const confident = r % 4 !== 3;
    for (let j = 0; j < (confident ? 4 : 8); j++) {
      data[r * VOCAB + Math.floor(next() * VOCAB)] += confident ? 12 + 6 * next() : 4 + 4 * next();
    }
  }
  return Tensor.fromArray(data, { shape: [rows, VOCAB], device: DEVICE });
}

function makeRequests(mixNames) {
  const seeds = new SeedSource(0);
  return Array.from({ length: REQUESTS }, (_, i) => {
    const options = MIXES[mixNames[i % mixNames.length]];
    return createSamplingRequestState({
      requestId: `r${i}`,
      params: new SamplingParams(options),
      promptTokenIds: Array.from({ length: PROMPT }, (_, t) => (i * 7919 + t * 104729) % VOCAB),
      outputTokenIds: Array.from({ length: 32 }, (_, t) => (i * 31 + t * 977) % VOCAB),
      seedSource: seeds,
    });
  });
}

async function bench(label, mixNames, pristine) {
  const sampler = new DefaultSampler({ vocabSize: VOCAB, device: DEVICE });
  const builder = new SamplingBatchBuilder();
  const requests = makeRequests(mixNames);
  const logits = Tensor.empty([REQUESTS, VOCAB], { device: DEVICE });
  const times = [];
  for (let step = 0; step < WARMUP + STEPS; step++) {
    ops.copy(logits, pristine);
    if (DEVICE !== "cpu") synchronize(Device.parse(DEVICE)); // time the sampler alone
    const batch = builder.build(requests);
    const start = performance.now();
    const out = await sampler.sample(logits, batch);
    const elapsed = performance.now() - start;
    requests.forEach((r, i) => {
      r.outputTokenIds.push(out.sampledTokenIds[i]);
    });
    if (step >= WARMUP) times.push(elapsed * 1000);
  }
  sampler.dispose();
  logits.dispose();
  return { label, medianUs: Math.round(median(times)), minUs: Math.round(Math.min(...times)) };
}

const pristine = makeLogits(REQUESTS);
const results = [await bench("mixed (¼ each)", Object.keys(MIXES), pristine)];
for (const name of Object.keys(MIXES)) results.push(await bench(`all ${name}`, [name], pristine));
pristine.dispose();

const header = [`batch (256 requests, vocab 151,936, ${DEVICE})`, "median µs/step", "min µs/step"];
const rows = results.map((r) => [r.label, r.medianUs.toLocaleString("en"), r.minUs.toLocaleString("en")]);
const width = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
const line = (cells) =>
  cells.map((cell, c) => (c === 0 ? cell.padEnd(width[c]) : cell.padStart(width[c]))).join("  ");
console.log(line(header));
for (const row of rows) console.log(line(row));
console.log(
  JSON.stringify({
    bench: "sampler",
    device: DEVICE,
    vocab: VOCAB,
    requests: REQUESTS,
    steps: STEPS,
    results,
  }),
);
record(
  `Sampler: µs per step (${DEVICE})`,
  `npm run bench -- sampler --steps ${STEPS} --device ${DEVICE}`,
  header,
  rows,
);
