// Ports vLLM's sliding-window manager tests (test_single_type_kv_cache_manager.py), then runs
// the hook end to end through KVCacheManager.
import { describe, expect, it } from "vitest";
import { TestRequest } from "../test/helpers.js";
import { BlockPool } from "./block-pool.js";
import { checkKVCacheIntegrity } from "./integrity.js";
import { KVCacheManager } from "./kv-cache-manager.js";
import { findSlidingWindowHit, takeBlocksOutsideWindow } from "./sliding-window.js";

describe("sliding window", () => {
  it("releases a block once every token in it has left the window (window 4, block size 2)", () => {
    const pool = new BlockPool(2000);
    const original = [1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010];
    const table = original.map((id) => pool.blocks[id]!);
    const take = (computed: number) =>
      takeBlocksOutsideWindow(table, computed, 4, 2, pool.nullBlock).map((b) => b.blockId);
    const tableIds = () => table.map((b) => b.blockId);
    expect(take(0)).toEqual([]);
    expect(take(4)).toEqual([]);
    expect(take(5)).toEqual([1000]);
    expect(tableIds()).toEqual([0, ...original.slice(1)]);
    expect(take(6)).toEqual([]);
    expect(take(7)).toEqual([1001]);
    expect(tableIds()).toEqual([0, 0, ...original.slice(2)]);
    // Nearest the window first: 1003 holds the longer prefix, so it is freed (and evicted) first.
    expect(take(11)).toEqual([1003, 1002]);
    expect(tableIds()).toEqual([0, 0, 0, 0, ...original.slice(4)]);
  });

  it("finds the rightmost cached run that covers the window, null blocks before it", () => {
    const pool = new BlockPool(100);
    const check = (cached: boolean[], expectedLength: number) => {
      pool.resetPrefixCache();
      const hashes = cached.map((_, i) => `hash-${i}-${cached.length}`);
      cached.forEach((isCached, i) => {
        if (isCached) pool.cacheFullBlocks([pool.blocks[i + 10]!], [hashes[i]!], 0, 1);
      });
      const hit = findSlidingWindowHit(pool, hashes, cached.length * 2, 4, 2);
      expect(hit).toHaveLength(expectedLength);
      for (const block of hit.slice(0, Math.max(0, expectedLength - 2))) expect(block.isNull).toBe(true);
      for (let i = 0; i < Math.min(2, expectedLength); i++) {
        const index = expectedLength - i - 1;
        expect(hit[index]!.blockId).toBe(index + 10);
      }
    };
    const T = true;
    const F = false;
    check(Array(10).fill(F), 0);
    check([T], 1);
    check([T, F], 1);
    check([T, T], 2);
    check([T, T, F], 2);
    check([T, T, T], 3);
    check([T, T, T, F], 3);
    check([T, T, F, T, F, F, T, T, F, T, T, T], 12);
    check([T, T, F, T, F, F, T, T, F, F, F], 8);
    check([T, T, F, T, F, F, T, T, F, F, F, T], 8);
  });

  it("keeps a decoding request's usage bounded by its window", () => {
    const m = new KVCacheManager({ numBlocks: 9, blockSize: 4, slidingWindow: 8, hashSeed: "w" });
    const req = new TestRequest(
      "0",
      Array.from({ length: 10 }, (_, i) => i),
      m.blockHasher,
    );
    expect(m.allocateSlots(req, 10)).toHaveLength(3);
    req.numComputedTokens = 10;
    for (let step = 0; step < 40; step++) {
      req.append(100 + step);
      expect(m.allocateSlots(req, 1)).not.toBeNull();
      req.numComputedTokens++;
      checkKVCacheIntegrity(m);
      const live = m.getBlocks("0").filter((b) => !b.isNull).length;
      expect(live).toBeLessThanOrEqual(4);
    }
    expect(m.getBlockIds("0").slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    m.free(req);
    expect(m.numFreeBlocks).toBe(8);
    checkKVCacheIntegrity(m);

    // A new request with the same tokens reuses the cached tail that covers its window.
    const again = new TestRequest("1", [...req.promptTokenIds, ...req.outputTokenIds], m.blockHasher);
    const hit = m.getComputedBlocks(again);
    expect(hit.numComputedTokens).toBe(48);
    expect(hit.blocks.slice(0, 10).every((b) => b.isNull)).toBe(true);
    expect(hit.blocks.slice(10).every((b) => !b.isNull)).toBe(true);
    expect(m.allocateSlots(again, again.numTokens - 48, hit)).toHaveLength(1);
    checkKVCacheIntegrity(m);
  });
});
