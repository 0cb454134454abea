import { describe, expect, it } from "vitest";
import { TestRequest } from "../test/helpers.js";
import { checkKVCacheIntegrity } from "./integrity.js";
import { KVCacheManager } from "./kv-cache-manager.js";

const tokens = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

describe("swapping requests to host blocks", () => {
  it("swaps the computed blocks out, frees the device blocks, and brings them back elsewhere", () => {
    const m = new KVCacheManager({ numBlocks: 9, blockSize: 4, numHostBlocks: 4, hashSeed: "s" });
    const req = new TestRequest("0", tokens(10), m.blockHasher);
    m.allocateSlots(req, 10);
    req.numComputedTokens = 10;
    req.append(77);
    expect(m.getBlockIds("0")).toEqual([1, 2, 3]);

    expect(m.canSwapOut(req)).toBe(true);
    const out = m.swapOut(req)!;
    expect(out).toEqual([
      [1, 0],
      [2, 1],
      [3, 2],
    ]);
    expect(m.getBlocks("0")).toHaveLength(0);
    expect(m.isSwappedOut("0")).toBe(true);
    expect(m.numFreeBlocks).toBe(8);
    expect(m.swapSpace.numFreeBlocks).toBe(1);
    checkKVCacheIntegrity(m);

    // Someone else takes the freed device blocks (the front of the queue: 4..8 first).
    const other = new TestRequest("1", tokens(24, 500), m.blockHasher);
    expect(m.allocateSlots(other, 24)!.map((b) => b.blockId)).toEqual([4, 5, 6, 7, 8, 3]);

    // Back in: 3 blocks for the data and none extra for the one new token (it fits block 3 of 3).
    expect(m.swapIn(req, 1)).toBeNull();
    m.free(other);
    const back = m.swapIn(req, 1)!;
    expect(back.map(([host]) => host)).toEqual([0, 1, 2]);
    expect(m.getBlockIds("0")).toEqual(back.map(([, device]) => device));
    expect(m.swapSpace.numFreeBlocks).toBe(4);
    expect(m.isSwappedOut("0")).toBe(false);
    // The full blocks are registered in the prefix cache again.
    expect(
      m
        .getBlocks("0")
        .slice(0, 2)
        .every((b) => b.blockHash !== null),
    ).toBe(true);
    checkKVCacheIntegrity(m);
  });

  it("refuses when the swap space is too small or absent, changing nothing", () => {
    const m = new KVCacheManager({ numBlocks: 9, blockSize: 4, numHostBlocks: 2 });
    const req = new TestRequest("0", tokens(12), m.blockHasher);
    m.allocateSlots(req, 12);
    req.numComputedTokens = 12;
    expect(m.canSwapOut(req)).toBe(false);
    expect(m.swapOut(req)).toBeNull();
    expect(m.getBlockIds("0")).toEqual([1, 2, 3]);
    const none = new KVCacheManager({ numBlocks: 9, blockSize: 4 });
    const r2 = new TestRequest("0", tokens(4), none.blockHasher);
    none.allocateSlots(r2, 4);
    r2.numComputedTokens = 4;
    expect(none.canSwapOut(r2)).toBe(false);
    expect(none.swapOut(r2)).toBeNull();
  });

  it("copies only blocks that hold computed tokens, and frees host blocks on abort", () => {
    const m = new KVCacheManager({ numBlocks: 9, blockSize: 4, numHostBlocks: 8 });
    const req = new TestRequest("0", tokens(9), m.blockHasher);
    m.allocateSlots(req, 8, undefined, { numLookaheadTokens: 4 });
    req.numComputedTokens = 5;
    expect(m.getBlockIds("0")).toHaveLength(3);
    expect(m.swapOut(req)).toHaveLength(2);
    m.free(req);
    expect(m.swapSpace.numFreeBlocks).toBe(8);
    expect(m.isSwappedOut("0")).toBe(false);
    checkKVCacheIntegrity(m);
  });

  it("keeps null (out-of-window) entries as null through a swap", () => {
    const m = new KVCacheManager({ numBlocks: 9, blockSize: 2, slidingWindow: 3, numHostBlocks: 8 });
    const req = new TestRequest("0", tokens(8), m.blockHasher);
    m.allocateSlots(req, 8);
    req.numComputedTokens = 8;
    req.append(1);
    m.allocateSlots(req, 1);
    // Tokens 0..5 left the window: blocks 0..2 are released.
    expect(m.getBlockIds("0")).toEqual([0, 0, 0, 4, 5]);
    const out = m.swapOut(req)!;
    expect(out).toEqual([[4, 0]]);
    const back = m.swapIn(req, 1)!;
    expect(back).toHaveLength(1);
    expect(m.getBlockIds("0").slice(0, 3)).toEqual([0, 0, 0]);
    expect(m.getBlockIds("0")).toHaveLength(5);
    checkKVCacheIntegrity(m);
  });
});
