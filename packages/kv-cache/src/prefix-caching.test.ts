// Ports what vLLM's tests/v1/core/test_prefix_caching.py asserts (block size 16, 11 blocks: 10 usable).
import { describe, expect, it } from "vitest";
import { referenceBlockHash, repeatedBlocks, TestRequest } from "../test/helpers.js";
import { checkKVCacheIntegrity } from "./integrity.js";
import { KVCacheManager } from "./kv-cache-manager.js";

const makeManager = (numBlocks = 11) => new KVCacheManager({ numBlocks, blockSize: 16, hashSeed: "test" });
const ids = (blocks: readonly { blockId: number }[] | null) => blocks?.map((b) => b.blockId);
const freeOrder = (m: KVCacheManager) => ids(m.pool.freeBlockQueue.getAllFreeBlocks());

/** vLLM's flow for a new request: look up, allocate the rest, mark it computed. */
function admit(m: KVCacheManager, request: TestRequest) {
  const computed = m.getComputedBlocks(request);
  const blocks = m.allocateSlots(request, request.numTokens - computed.numComputedTokens, computed);
  request.numComputedTokens = request.numTokens;
  return { computed, blocks };
}

describe("prefix caching (test_prefix_caching.py)", () => {
  it("test_prefill: ids, chained hashes, shared hits, free order and eviction order", () => {
    const m = makeManager();
    const hasher = m.blockHasher!;
    const common = repeatedBlocks(3);
    const req0 = new TestRequest("0", [...common, ...Array(7).fill(3)], hasher);
    expect(req0.blockHashes).toHaveLength(3);
    const first = admit(m, req0);
    expect(first.computed.blocks).toHaveLength(0);
    expect(ids(first.blocks)).toEqual([1, 2, 3, 4]);
    let parent = hasher.noneHash;
    for (const blockId of [1, 2, 3]) {
      const expected = referenceBlockHash(parent, common.slice((blockId - 1) * 16, blockId * 16));
      expect(m.pool.blocks[blockId]!.blockHash).toBe(expected);
      expect(m.pool.blocks[blockId]!.refCount).toBe(1);
      parent = expected;
    }
    expect(m.pool.blocks[4]!.blockHash).toBeNull();
    expect(m.pool.blocks[4]!.refCount).toBe(1);

    const req1 = new TestRequest("1", [...common, ...Array(5).fill(3)], hasher);
    const second = admit(m, req1);
    expect(ids(second.computed.blocks)).toEqual([1, 2, 3]);
    expect(second.computed.numComputedTokens).toBe(48);
    expect(ids(second.blocks)).toEqual([5]);
    for (const block of second.computed.blocks) expect(block.refCount).toBe(2);
    expect(m.numFreeBlocks).toBe(5);

    m.free(req0);
    m.free(req1);
    expect(m.numFreeBlocks).toBe(10);
    expect(freeOrder(m)).toEqual([6, 7, 8, 9, 10, 4, 5, 3, 2, 1]);

    const req2 = new TestRequest("2", [...common, ...Array(6).fill(3)], hasher);
    const third = admit(m, req2);
    expect(ids(third.computed.blocks)).toEqual([1, 2, 3]);
    expect(ids(third.blocks)).toEqual([6]);
    expect(m.numFreeBlocks).toBe(6);
    expect(m.pool.freeBlockQueue.getAllFreeBlocks().every((b) => b.refCount === 0)).toBe(true);
    m.free(req2);

    const req3 = new TestRequest("3", Array(160).fill(99), hasher);
    const fourth = admit(m, req3);
    expect(fourth.computed.blocks).toHaveLength(0);
    expect(ids(fourth.blocks)).toEqual([7, 8, 9, 10, 4, 5, 6, 3, 2, 1]);
    expect(m.numFreeBlocks).toBe(0);
    checkKVCacheIntegrity(m);
  });

  it("test_decode: appending inside a block allocates nothing; filling one hashes it", () => {
    const m = makeManager();
    const req0 = new TestRequest("0", [...repeatedBlocks(3), ...Array(7).fill(3)], m.blockHasher);
    expect(ids(admit(m, req0).blocks)).toEqual([1, 2, 3, 4]);
    req0.append(8, 8, 8, 8);
    expect(m.allocateSlots(req0, 4)).toHaveLength(0);
    expect(m.getBlocks("0").at(-1)!.blockHash).toBeNull();
    req0.numComputedTokens = 59;
    req0.append(...Array(19).fill(7));
    expect(m.allocateSlots(req0, 19)).toHaveLength(1);
    expect(m.getBlocks("0").at(-2)!.blockHash).not.toBeNull();
    expect(m.getBlocks("0").at(-1)!.blockHash).toBeNull();
    checkKVCacheIntegrity(m);
  });

  it("test_evict: free order after two requests, and hits leave the free queue", () => {
    const m = makeManager();
    const last = 5 * 16 + 7;
    const req0 = new TestRequest(
      "0",
      Array.from({ length: last }, (_, i) => i),
      m.blockHasher,
    );
    expect(admit(m, req0).blocks).toHaveLength(6);
    const req1 = new TestRequest(
      "1",
      Array.from({ length: 48 }, (_, i) => last + i),
      m.blockHasher,
    );
    expect(admit(m, req1).blocks).toHaveLength(3);
    expect(m.numFreeBlocks).toBe(1);
    m.free(req0);
    m.free(req1);
    expect(freeOrder(m)).toEqual([10, 6, 5, 4, 3, 2, 1, 9, 8, 7]);

    const req2 = new TestRequest(
      "2",
      Array.from({ length: 35 }, (_, i) => i),
      m.blockHasher,
    );
    const { computed, blocks } = admit(m, req2);
    expect(ids(computed.blocks)).toEqual([1, 2]);
    expect(computed.numComputedTokens).toBe(32);
    expect(ids(blocks)).toEqual([10]);
    expect(m.numFreeBlocks).toBe(7);
  });

  it("test_hash_block_correct_reuse: a reused block loses its hash", () => {
    const m = makeManager(2);
    const req0 = new TestRequest(
      "0",
      Array.from({ length: 16 }, (_, i) => i),
      m.blockHasher,
    );
    expect(admit(m, req0).blocks).toHaveLength(1);
    expect(m.pool.blocks[1]!.blockHash).not.toBeNull();
    m.free(req0);
    const req1 = new TestRequest(
      "1",
      Array.from({ length: 15 }, (_, i) => i),
      m.blockHasher,
    );
    const { blocks } = admit(m, req1);
    expect(blocks).toHaveLength(1);
    expect(blocks![0]!.blockHash).toBeNull();
    expect(m.pool.numCachedBlocks).toBe(0);
  });

  it("test_computed_blocks_not_evicted: other free blocks go before a hit", () => {
    const m = makeManager(3);
    const req0 = new TestRequest(
      "0",
      Array.from({ length: 16 }, (_, i) => i),
      m.blockHasher,
    );
    expect(ids(admit(m, req0).blocks)).toEqual([1]);
    const req1 = new TestRequest(
      "1",
      Array.from({ length: 16 }, (_, i) => 16 + i),
      m.blockHasher,
    );
    expect(ids(admit(m, req1).blocks)).toEqual([2]);
    m.free(req0);
    m.free(req1);
    const req2 = new TestRequest(
      "2",
      Array.from({ length: 32 }, (_, i) => i),
      m.blockHasher,
    );
    const { computed, blocks } = admit(m, req2);
    expect(ids(computed.blocks)).toEqual([1]);
    expect(computed.numComputedTokens).toBe(16);
    expect(ids(blocks)).toEqual([2]);
  });

  it("test_cache_key_salting: salt keys the first block only; same salt hits, another misses", () => {
    const m = makeManager();
    const hasher = m.blockHasher!;
    const common = repeatedBlocks(3);
    const tokens = [...common, ...Array(11).fill(3)];
    const req0 = new TestRequest("0", tokens, hasher, "salt1");
    expect(m.getComputedBlocks(req0).numComputedTokens).toBe(0);
    const h0 = referenceBlockHash(hasher.noneHash, tokens.slice(0, 16), { salt: "salt1" });
    const h1 = referenceBlockHash(h0, tokens.slice(16, 32));
    const h2 = referenceBlockHash(h1, tokens.slice(32, 48));
    expect(req0.blockHashes).toEqual([h0, h1, h2]);
    m.allocateSlots(req0, 59);
    req0.numComputedTokens = 59;
    req0.append(8, 8, 8, 8, 8);
    expect(req0.blockHashes).toHaveLength(4);
    expect(req0.blockHashes[3]).toBe(referenceBlockHash(h2, [...Array(11).fill(3), 8, 8, 8, 8, 8]));

    const same = new TestRequest("1", [...common, ...Array(11).fill(4)], hasher, "salt1");
    expect(m.getComputedBlocks(same).blocks).toHaveLength(3);
    expect(m.getComputedBlocks(same).numComputedTokens).toBe(48);
    const other = new TestRequest("2", [...common, ...Array(11).fill(4)], hasher, "salt2");
    expect(m.getComputedBlocks(other).numComputedTokens).toBe(0);
    expect(other.blockHashes[0]).toBe(
      referenceBlockHash(hasher.noneHash, tokens.slice(0, 16), { salt: "salt2" }),
    );
  });

  it("test_prefill_not_enough_free_blocks_with_computed_blocks: a failed allocation touches nothing", () => {
    const m = makeManager();
    const common = repeatedBlocks(3);
    const req0 = new TestRequest("0", common, m.blockHasher);
    admit(m, req0);
    const part0 = [...m.getBlocks("0")];
    const req1 = new TestRequest("1", [...common, ...common], m.blockHasher);
    const hit1 = m.getComputedBlocks(req1);
    expect(hit1.blocks).toEqual(part0);
    expect(hit1.numComputedTokens).toBe(48);
    m.allocateSlots(req1, 48, hit1);
    const part1 = [...m.getBlocks("1")];
    m.free(req1);
    expect(new Set(part1.slice(0, 3).map((b) => b.refCount))).toEqual(new Set([1]));
    expect(new Set(part1.slice(3).map((b) => b.refCount))).toEqual(new Set([0]));

    const req2 = new TestRequest("2", Array(32).fill(7), m.blockHasher);
    expect(admit(m, req2).computed.numComputedTokens).toBe(0);
    expect(m.numFreeBlocks).toBe(5);
    const req3 = new TestRequest("3", [...common, ...common, ...common], m.blockHasher);
    const hit3 = m.getComputedBlocks(req3);
    expect(hit3.blocks).toEqual(part1);
    expect(hit3.numComputedTokens).toBe(96);
    const freeBefore = freeOrder(m);
    expect(m.allocateSlots(req3, 48, hit3)).toBeNull();
    expect(new Set(part1.slice(0, 3).map((b) => b.refCount))).toEqual(new Set([1]));
    expect(new Set(part1.slice(3).map((b) => b.refCount))).toEqual(new Set([0]));
    expect(freeOrder(m)).toEqual(freeBefore);
    expect(m.getBlocks("3")).toHaveLength(0);
    checkKVCacheIntegrity(m);
  });

  it("test_reset_prefix_cache: refused while blocks are in use", () => {
    const m = makeManager();
    const common = repeatedBlocks(3);
    const req0 = new TestRequest("0", [...common, ...Array(7).fill(3)], m.blockHasher);
    expect(ids(admit(m, req0).blocks)).toEqual([1, 2, 3, 4]);
    const req1 = new TestRequest("1", [...common, ...Array(7).fill(4)], m.blockHasher);
    const second = admit(m, req1);
    expect(second.computed.blocks).toHaveLength(3);
    expect(ids(second.blocks)).toEqual([5]);
    expect(m.resetPrefixCache()).toBe(false);
    expect(m.pool.numCachedBlocks).toBeGreaterThan(0);
    m.free(req0);
    m.free(req1);
    expect(m.resetPrefixCache()).toBe(true);
    expect(m.pool.numCachedBlocks).toBe(0);
    expect(m.pool.blocks.every((b) => b.blockHash === null)).toBe(true);
    expect(m.prefixCacheStats.numRequests).toBe(0);
  });
});
