// KVCacheManager beyond vLLM's prefix-caching tests: statistics, no-caching mode, errors, caps.
import { describe, expect, it } from "vitest";
import { repeatedBlocks, TestRequest } from "../test/helpers.js";
import { KVCacheManager } from "./kv-cache-manager.js";

const makeManager = (numBlocks = 11) => new KVCacheManager({ numBlocks, blockSize: 16, hashSeed: "test" });
const ids = (blocks: readonly { blockId: number }[] | null) => blocks?.map((b) => b.blockId);

function admit(m: KVCacheManager, request: TestRequest) {
  const computed = m.getComputedBlocks(request);
  const blocks = m.allocateSlots(request, request.numTokens - computed.numComputedTokens, computed);
  request.numComputedTokens = request.numTokens;
  return { computed, blocks };
}

describe("KVCacheManager", () => {
  it("never hits the last token, counts hit statistics, and skips lookups when asked", () => {
    const m = makeManager();
    const tokens = repeatedBlocks(2);
    admit(m, new TestRequest("0", tokens, m.blockHasher));
    const exact = new TestRequest("1", tokens, m.blockHasher);
    expect(m.getComputedBlocks(exact).numComputedTokens).toBe(16);
    const skipping = new TestRequest("2", [...tokens, 5], m.blockHasher);
    skipping.skipReadingPrefixCache = true;
    expect(m.getComputedBlocks(skipping).numComputedTokens).toBe(0);
    expect(m.prefixCacheStats).toEqual({
      numRequests: 2,
      numQueryTokens: 64,
      numHitTokens: 16,
      hitRate: 0.25,
    });
    expect(m.usage).toBeCloseTo(0.2);
  });

  it("works without prefix caching: no hashes, no hits", () => {
    const m = new KVCacheManager({ numBlocks: 11, blockSize: 16, enablePrefixCaching: false });
    expect(m.blockHasher).toBeNull();
    const req = new TestRequest("0", repeatedBlocks(2), null);
    expect(ids(admit(m, req).blocks)).toEqual([1, 2]);
    expect(m.getComputedBlocks(new TestRequest("1", repeatedBlocks(3), null))).toEqual({
      blocks: [],
      numComputedTokens: 0,
    });
    expect(m.pool.numCachedBlocks).toBe(0);
  });

  it("reports misuse with typed errors", () => {
    const m = makeManager();
    const req = new TestRequest("0", [1, 2, 3], m.blockHasher);
    expect(() => m.allocateSlots(req, 0)).toThrow(
      "numNewTokens must be greater than 0 when there are no computed tokens",
    );
    expect(() => m.pool.getNewBlocks(11)).toThrow("Cannot get 11 free blocks from the pool");
    expect(() => new KVCacheManager({ numBlocks: 1, blockSize: 16 })).toThrow(/at least 2 blocks/);
    expect(() => new KVCacheManager({ numBlocks: 8, blockSize: 0 })).toThrow(
      "blockSize must be a positive integer, got 0",
    );
    admit(m, req);
    m.free(req);
    expect(() => m.pool.freeBlocks([m.pool.blocks[1]!])).toThrow(/freed more often than it was allocated/);
  });

  it("caps reserved slots at maxModelLen and honours fullSequenceMustFit", () => {
    const m = new KVCacheManager({ numBlocks: 5, blockSize: 16, maxModelLen: 40 });
    const req = new TestRequest(
      "0",
      Array.from({ length: 40 }, (_, i) => i),
      m.blockHasher,
    );
    expect(m.allocateSlots(req, 16, undefined, { numLookaheadTokens: 100 })).toHaveLength(3);
    req.numComputedTokens = 16;
    expect(m.allocateSlots(req, 24, undefined, { numLookaheadTokens: 100 })).toHaveLength(0);
    const big = new TestRequest(
      "1",
      Array.from({ length: 40 }, (_, i) => 100 + i),
      m.blockHasher,
    );
    expect(m.allocateSlots(big, 8, undefined, { fullSequenceMustFit: true })).toBeNull();
    expect(m.allocateSlots(big, 8)).toHaveLength(1);
  });
});
