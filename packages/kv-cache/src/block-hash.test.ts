import { describe, expect, it } from "vitest";
import { referenceBlockHash, TestRequest } from "../test/helpers.js";
import { BlockHasher, noneHash } from "./block-hash.js";

describe("block hashes", () => {
  it("NONE_HASH is pinned by a seed and random without one", () => {
    expect(noneHash("0")).toBe(noneHash("0"));
    expect(noneHash("0")).not.toBe(noneHash("1"));
    expect(noneHash("0")).toMatch(/^[0-9a-f]{32}$/);
    expect(noneHash()).not.toBe(noneHash());
    expect(new BlockHasher(16, "seed").noneHash).toBe(noneHash("seed"));
  });

  it("hashes only full blocks, chained through their parents", () => {
    const hasher = new BlockHasher(4, "s");
    const request = new TestRequest("r", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], hasher);
    const h0 = referenceBlockHash(hasher.noneHash, [1, 2, 3, 4]);
    const h1 = referenceBlockHash(h0, [5, 6, 7, 8]);
    expect(request.blockHashes).toEqual([h0, h1]);
    request.append(11);
    expect(request.blockHashes).toHaveLength(2);
    request.append(12, 13);
    expect(request.blockHashes).toEqual([h0, h1, referenceBlockHash(h1, [9, 10, 11, 12])]);
  });

  it("spans prompt and output tokens in one block", () => {
    const hasher = new BlockHasher(4, "s");
    const request = new TestRequest("r", [7, 8, 9], hasher);
    request.append(100);
    expect(request.blockHashes).toEqual([referenceBlockHash(hasher.noneHash, [7, 8, 9, 100])]);
  });

  it("keys the first block by the cache salt and every block by the LoRA name", () => {
    const hasher = new BlockHasher(2, "s");
    const salted = new TestRequest("a", [1, 2, 3, 4], hasher, "salt1");
    const s0 = referenceBlockHash(hasher.noneHash, [1, 2], { salt: "salt1" });
    expect(salted.blockHashes).toEqual([s0, referenceBlockHash(s0, [3, 4])]);

    const lora = new TestRequest("b", [1, 2, 3, 4], hasher, "salt1", "adapter");
    const l0 = referenceBlockHash(hasher.noneHash, [1, 2], { lora: "adapter", salt: "salt1" });
    expect(lora.blockHashes).toEqual([l0, referenceBlockHash(l0, [3, 4], { lora: "adapter" })]);

    const plain = new TestRequest("c", [1, 2, 3, 4], hasher);
    expect(new Set([plain.blockHashes[0], salted.blockHashes[0], lora.blockHashes[0]]).size).toBe(3);
  });

  it("writes large and multi-byte values exactly", () => {
    const hasher = new BlockHasher(2, "s");
    const request = new TestRequest("r", [2 ** 31 - 1, 151_935], hasher, "sälz 🧂");
    expect(request.blockHashes).toEqual([
      referenceBlockHash(hasher.noneHash, [2 ** 31 - 1, 151_935], { salt: "sälz 🧂" }),
    ]);
  });
});
