import type { CacheConfig, SchedulerConfig } from "@vllm-ts/config";
import { describe, expect, it } from "vitest";
import { capKvCacheBlocks } from "../../src/engine/kv-cache-sizing.js";

const scheduler = { maxNumSeqs: 4, maxModelLen: 100 } as SchedulerConfig;
const cache = (numGpuBlocksOverride: number | null) =>
  ({ blockSize: 16, numGpuBlocksOverride }) as CacheConfig;

describe("capKvCacheBlocks", () => {
  it("keeps twice what every running request at full length holds, plus the null block", () => {
    // ceil(100 / 16) = 7 blocks per request; 2 × 4 × 7 + 1 = 57.
    expect(capKvCacheBlocks(10_000_000, cache(null), scheduler)).toBe(57);
    expect(capKvCacheBlocks(40, cache(null), scheduler)).toBe(40);
  });

  it("leaves an explicit numGpuBlocksOverride alone", () => {
    expect(capKvCacheBlocks(10_000, cache(10_000), scheduler)).toBe(10_000);
  });
});
