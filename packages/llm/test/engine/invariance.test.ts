// Issue 8: outputs are identical with prefix caching on and off, with chunked prefill at any
// budget, and under preemption forced by a tiny cache (numGpuBlocksOverride), in one batch.
import { getBackends } from "@vllm-ts/cuda-kernels";
import { beforeAll, describe, expect, it } from "vitest";
import { LLM, type LLMOptions, SamplingParams } from "../../src/index.js";
import { writeTinyLlama } from "./tiny-llama.js";

// Overlapping prompts, so prefix caching has something to share.
const SHARED = Array.from({ length: 20 }, (_, i) => ((i * 7) % 90) + 3);
const PROMPTS = [
  [...SHARED, 4, 5, 6],
  [...SHARED, 9],
  Array.from({ length: 37 }, (_, i) => ((i * 11) % 90) + 3),
  [42],
  [...SHARED.slice(0, 16), 77, 78],
  Array.from({ length: 9 }, (_, i) => i + 50),
];
const MAX_TOKENS = [14, 20, 9, 25, 17, 12];

async function run(
  dir: string,
  options: Partial<LLMOptions>,
  check?: (llm: LLM) => Promise<void>,
  watch?: (stats: Awaited<ReturnType<LLM["stats"]>>) => void,
) {
  const llm = await LLM.create({ model: dir, skipTokenizerInit: true, maxModelLen: 96, ...options });
  let running = true;
  // Between engine steps (the loop yields to the event loop), look at the scheduler's counters.
  const watching = (async () => {
    while (watch && running) {
      watch(await llm.stats());
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  try {
    const outputs = await llm.generate(
      PROMPTS.map((promptTokenIds) => ({ promptTokenIds })),
      MAX_TOKENS.map((maxTokens, i) =>
        i % 2 === 0
          ? new SamplingParams({ temperature: 0, maxTokens, ignoreEos: true })
          : new SamplingParams({ temperature: 0.9, topP: 0.9, seed: 100 + i, maxTokens, ignoreEos: true }),
      ),
      { useTqdm: false },
    );
    await check?.(llm);
    return outputs.map((o) => o.outputs[0]!.tokenIds);
  } finally {
    running = false;
    await watching;
    await llm.dispose();
  }
}

describe("generation does not depend on how the engine batches it", () => {
  let dir: string;
  let baseline: number[][];
  beforeAll(async () => {
    dir = writeTinyLlama();
    baseline = await run(dir, {});
    expect(baseline.map((t) => t.length)).toEqual(MAX_TOKENS);
  });

  it.each<[string, Partial<LLMOptions>]>([
    ["without prefix caching", { enablePrefixCaching: false }],
    ["with a chunked-prefill budget of 8 tokens", { maxNumBatchedTokens: 8, maxNumSeqs: 4 }],
    ["with a budget of 17 tokens and 2 sequences", { maxNumBatchedTokens: 17, maxNumSeqs: 2 }],
    ["one request at a time", { maxNumSeqs: 1 }],
    ["without chunked prefill", { enableChunkedPrefill: false, maxNumBatchedTokens: 96, maxNumSeqs: 8 }],
    ["with block size 32", { blockSize: 32 }],
  ])("%s", async (_, options) => {
    expect(await run(dir, options)).toEqual(baseline);
  });

  it("under preemption with swap space: swapped to pinned host memory and back on CUDA", async () => {
    let maxSwapped = 0;
    const outputs = await run(
      dir,
      { numGpuBlocksOverride: 6, swapSpace: 0.001 },
      async (llm) => {
        expect((await llm.stats()).numPreemptions).toBeGreaterThan(0);
      },
      (stats) => {
        maxSwapped = Math.max(maxSwapped, stats.numSwapped);
      },
    );
    // "auto" runs on CUDA where there is a GPU: its swap space is pinned host memory. On the CPU
    // the cache already is host memory, so preemption recomputes instead (engine-runtime.ts).
    if (getBackends().cuda.available) expect(maxSwapped).toBeGreaterThan(0);
    else expect(maxSwapped).toBe(0);
    expect(outputs).toEqual(baseline);
  });

  it("under preemption by recompute (5 usable blocks)", async () => {
    const outputs = await run(dir, { numGpuBlocksOverride: 6 }, async (llm) => {
      expect((await llm.stats()).numPreemptions).toBeGreaterThan(0);
    });
    expect(outputs).toEqual(baseline);
  });
});
