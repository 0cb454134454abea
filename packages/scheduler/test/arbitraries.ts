import fc from "fast-check";
import type { StreamConfig, StreamRequest } from "./harness.js";

// A few shared prefixes over a tiny vocabulary, so prompts hit each other's cached blocks.
const PREFIXES = [[], [1, 2, 3, 4, 5, 6, 1, 2], [3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4]];

export const streamConfig: fc.Arbitrary<StreamConfig> = fc
  .record({
    blockSize: fc.constantFrom(1, 2, 4, 8),
    // KV capacity in max-length requests: mostly 1–3 (contention, preemption), sometimes less.
    capacity: fc.oneof(
      { arbitrary: fc.double({ min: 1, max: 3, noNaN: true }), weight: 9 },
      { arbitrary: fc.double({ min: 0.2, max: 1, noNaN: true }), weight: 1 },
    ),
    numHostBlocks: fc.constantFrom(0, 0, 3, 8, 64),
    maxNumSeqs: fc.integer({ min: 1, max: 8 }),
    budget: fc.integer({ min: 0, max: 48 }),
    maxModelLen: fc.integer({ min: 8, max: 64 }),
    enableChunkedPrefill: fc.boolean(),
    enablePrefixCaching: fc.boolean(),
    policy: fc.constantFrom("fcfs" as const, "priority" as const),
    slidingWindow: fc.oneof(
      { arbitrary: fc.constant(null), weight: 3 },
      { arbitrary: fc.integer({ min: 2, max: 12 }), weight: 1 },
    ),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  })
  .map(({ budget, capacity, ...rest }) => {
    const numBlocks = Math.max(2, Math.ceil((rest.maxModelLen * capacity) / rest.blockSize) + 1);
    // vLLM's config rules: budget ≥ maxNumSeqs, and ≥ maxModelLen without chunked prefill.
    let maxNumBatchedTokens = rest.maxNumSeqs + budget;
    if (!rest.enableChunkedPrefill) maxNumBatchedTokens = Math.max(maxNumBatchedTokens, rest.maxModelLen);
    return { ...rest, numBlocks, maxNumBatchedTokens };
  });

export function streamRequests(maxModelLen: number): fc.Arbitrary<StreamRequest[]> {
  const request = fc
    .record({
      prefix: fc.integer({ min: 0, max: PREFIXES.length - 1 }),
      suffix: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 0, maxLength: 40 }),
      maxTokens: fc.integer({ min: 1, max: 40 }),
      minTokens: fc.integer({ min: 0, max: 3 }),
      arrivalStep: fc.integer({ min: 0, max: 8 }),
      priority: fc.integer({ min: 0, max: 3 }),
      abortStep: fc.oneof(
        { arbitrary: fc.constant(null), weight: 9 },
        { arbitrary: fc.integer({ min: 0, max: 60 }), weight: 1 },
      ),
      stopTokenIds: fc.array(fc.integer({ min: 1, max: 19 }), { maxLength: 1 }),
      cacheSalt: fc.oneof(
        { arbitrary: fc.constant(null), weight: 8 },
        { arbitrary: fc.constantFrom("a", "b"), weight: 2 },
      ),
      pooling: fc.integer({ min: 0, max: 9 }).map((x) => x === 0),
    })
    .map(({ prefix, suffix, ...rest }) => {
      const tokens = [...PREFIXES[prefix]!, ...suffix].slice(0, maxModelLen - 1);
      return {
        ...rest,
        minTokens: Math.min(rest.minTokens, rest.maxTokens),
        promptTokenIds: tokens.length > 0 ? tokens : [1],
      };
    });
  return fc.array(request, { minLength: 1, maxLength: 20 });
}
