// Property-based: random configs and request streams (lengths, shared prefixes, salts, aborts,
// priorities, pooling, tight KV caches, swap space, sliding windows) through the scheduler with
// invariants checked after every schedule and update (see harness.ts).
import fc from "fast-check";
import { describe, it } from "vitest";
import { streamConfig, streamRequests } from "./arbitraries.js";
import { ArrayKVSlots, runStream } from "./harness.js";

describe("scheduler + KV cache manager under random streams", () => {
  it("keeps every invariant, computes every position once, and finishes every request", async () => {
    await fc.assert(
      fc.asyncProperty(
        streamConfig.chain((config) => fc.tuple(fc.constant(config), streamRequests(config.maxModelLen))),
        async ([config, stream]) => {
          const slots = new ArrayKVSlots(config.numBlocks, config.numHostBlocks, config.blockSize);
          await runStream(config, stream, slots);
        },
      ),
      { numRuns: 300, seed: 20240607 },
    );
  });
});
