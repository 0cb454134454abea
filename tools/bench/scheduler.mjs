#!/usr/bin/env node
// W5 (host overhead): one engine step of the scheduler (schedule → fake runner → update) with
// 256 and 1024 running requests, decode-heavy and mixed prefill/decode; prefix caching on, so
// block hashing is included. Prints one JSON line per case (median µs per step after warm-up).
//   npm run bench -- scheduler [--record] [--steps N] [--running N] [--case decode|mixed]
import { BlockHasher, KVCacheManager } from "@vllm-ts/kv-cache";
import { DefaultScheduler, FakeModelRunner, Request } from "@vllm-ts/scheduler";
import { median, record } from "./record.mjs";

const args = process.argv.slice(2);
const stepsArg = args.indexOf("--steps");
const measuredSteps = stepsArg >= 0 ? Number(args[stepsArg + 1]) : 400;
const warmupSteps = 100;
const blockSize = 16;
const vocab = 32000;

let rng = 12345;
function randint(lo, hi) {
  rng = (Math.imul(rng, 1103515245) + 12345) >>> 0;
  return lo + (rng % (hi - lo + 1));
}

let nextId = 0;
function makeRequest(promptLen, maxTokens) {
  const promptTokenIds = Array.from({ length: promptLen }, () => randint(0, vocab - 1));
  return new Request({
    requestId: `req-${nextId++}`,
    promptTokenIds,
    maxTokens,
    ignoreEos: true,
    maxModelLen: 4096,
  });
}

/**
 * decode: `running` requests with 512-token prompts decode for the whole run (budget ≥ running).
 * mixed: requests of 100–1024 prompt tokens and 256–1024 output tokens; each finished one is
 * replaced at once, so prefill chunks (chunked prefill, 2048-token budget on top of the decodes)
 * run beside decodes every step.
 */
function runCase(running, kind) {
  const tokensPerRequest = kind === "decode" ? 512 + warmupSteps + measuredSteps + 64 : 1024 + 1024 + 16;
  const numBlocks = Math.ceil((running * tokensPerRequest) / blockSize) + 1;
  const kv = new KVCacheManager({ numBlocks, blockSize, maxModelLen: 4096, hashSeed: "bench" });
  const maxNumBatchedTokens = kind === "decode" ? Math.max(8192, running) : running + 2048;
  const scheduler = new DefaultScheduler({ maxNumSeqs: running, maxNumBatchedTokens, maxModelLen: 4096 }, kv);
  const runner = new FakeModelRunner({ vocabSize: vocab, seed: 1 });
  const add = () => {
    const request =
      kind === "decode" ? makeRequest(512, 100_000) : makeRequest(randint(100, 1024), randint(256, 1024));
    scheduler.addRequest(request);
    return request;
  };
  const initial = Array.from({ length: running }, add);

  const step = () => {
    const output = scheduler.schedule();
    const update = scheduler.updateFromOutput(output, runner.execute(output));
    let finished = 0;
    for (const result of update.outputs) if (result.finishReason !== null) finished++;
    return { output, finished };
  };
  const stepAndReplace = () => {
    const { finished } = step();
    for (let i = 0; i < finished; i++) add();
  };
  // Get everyone through prefill first, then warm up the steady state.
  while (initial.some((request) => request.status === "waiting")) stepAndReplace();
  for (let i = 0; i < warmupSteps; i++) stepAndReplace();

  const times = [];
  let tokens = 0;
  let cpuMicros = 0;
  for (let i = 0; i < measuredSteps; i++) {
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    const { output, finished } = step();
    times.push(Number(process.hrtime.bigint() - start) / 1000);
    const cpu = process.cpuUsage(cpuStart);
    cpuMicros += cpu.user + cpu.system;
    tokens += output.totalNumScheduledTokens;
    // Replacements are the client's work, outside the timed step.
    for (let j = 0; j < finished; j++) add();
  }
  return {
    usPerStep: median(times),
    // CPU time (mean): robust to other processes taking the core, which wall-clock medians are not.
    cpuUsPerStep: cpuMicros / measuredSteps,
    tokensPerStep: tokens / measuredSteps,
    running: scheduler.stats().numRunning,
  };
}

function hashCost() {
  const hasher = new BlockHasher(blockSize, "bench");
  const request = {
    promptTokenIds: Array.from({ length: 16 * 4096 }, () => randint(0, vocab - 1)),
    outputTokenIds: [],
    blockHashes: [],
    loraName: null,
    cacheSalt: null,
  };
  const start = process.hrtime.bigint();
  hasher.update(request);
  return Number(process.hrtime.bigint() - start) / 1000 / request.blockHashes.length;
}

const only = (flag) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : null);
const rows = [];
for (const running of only("--running") ? [Number(only("--running"))] : [256, 1024]) {
  for (const kind of only("--case") ? [only("--case")] : ["decode", "mixed"]) {
    runCase(running, kind); // warm the JIT on this shape
    const result = runCase(running, kind);
    const line = {
      bench: "scheduler",
      running,
      case: kind,
      usPerStep: Number(result.usPerStep.toFixed(1)),
      cpuUsPerStep: Number(result.cpuUsPerStep.toFixed(1)),
      tokensPerStep: Math.round(result.tokensPerStep),
      runningAtEnd: result.running,
    };
    console.log(JSON.stringify(line));
    rows.push([
      String(running),
      kind,
      result.usPerStep.toFixed(1),
      result.cpuUsPerStep.toFixed(1),
      result.tokensPerStep.toFixed(0),
    ]);
  }
}
const usPerBlock = hashCost();
console.log(
  JSON.stringify({ bench: "scheduler", case: "blockHash", usPerBlock: Number(usPerBlock.toFixed(3)) }),
);
rows.push(["-", "blockHash (µs per 16-token block)", usPerBlock.toFixed(3), "-", "-"]);
record(
  "Scheduler step, fake runner (W5: ≤ 300 µs at 256 running)",
  "npm run bench -- scheduler",
  ["running", "case", "µs/step (median wall)", "CPU µs/step (mean)", "tokens/step"],
  rows,
);
