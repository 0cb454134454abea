// The random-stream property again, with the KV cache in real tensors and swaps run by the
// backend's copyBlocks: data swapped out and back in (to other block ids) must come back intact,
// which the harness checks at every position a request reads.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { streamConfig, streamRequests } from "./arbitraries.js";
import { runStream } from "./harness.js";
import { TensorKVSlots } from "./tensor-kv-slots.js";

describe("swapping with real KV cache tensors", () => {
  it("brings swapped-out KV back intact under random streams", async () => {
    let swappedIn = 0;
    await fc.assert(
      fc.asyncProperty(
        streamConfig
          .map((config) => ({ ...config, numHostBlocks: Math.max(config.numHostBlocks, 8) }))
          .chain((config) => fc.tuple(fc.constant(config), streamRequests(config.maxModelLen))),
        async ([config, stream]) => {
          using slots = new TensorKVSlots(config.numBlocks, config.numHostBlocks, config.blockSize);
          swappedIn += (await runStream(config, stream, slots)).numSwappedIn;
        },
      ),
      { numRuns: 80, seed: 7 },
    );
    // The runs must actually have exercised swapping.
    expect(swappedIn).toBeGreaterThan(20);
  });
});
