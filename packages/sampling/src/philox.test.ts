import { describe, expect, it } from "vitest";
import { philox4x32, seedToKey } from "./philox.js";
import { SamplingParams } from "./sampling-params.js";
import { createSamplingRequestState, resolveSeed, SeedSource } from "./seed-source.js";

describe("host Philox4x32-10", () => {
  it("matches the Random123 known-answer vectors", () => {
    expect(philox4x32([0, 0, 0, 0], [0, 0])).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
    expect(philox4x32([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff])).toEqual([
      0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd,
    ]);
    expect(philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0])).toEqual([
      0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1,
    ]);
  });

  it("keys a seed by its 64-bit two's complement halves", () => {
    expect(seedToKey(0)).toEqual([0, 0]);
    expect(seedToKey(2 ** 32 + 5)).toEqual([5, 1]);
    expect(seedToKey(-1)).toEqual([0xffffffff, 0xffffffff]);
    expect(() => seedToKey(2 ** 60)).toThrow(RangeError);
  });
});

describe("SeedSource and request seeds", () => {
  it("draws the same sequence for the same engine seed and different ones otherwise", () => {
    const a = new SeedSource(0);
    const b = new SeedSource(0);
    const c = new SeedSource(1);
    const drawsA = [a.next(), a.next(), a.next()];
    expect([b.next(), b.next(), b.next()]).toEqual(drawsA);
    expect(c.next()).not.toBe(drawsA[0]);
    expect(new Set(drawsA).size).toBe(3);
    for (const d of drawsA) expect(Number.isSafeInteger(d) && d >= 0).toBe(true);
  });

  it("uses the request's own seed plus the child index, and draws only for unseeded requests", () => {
    const source = new SeedSource(42);
    expect(resolveSeed(new SamplingParams({ seed: 100 }), 0, source)).toBe(100);
    expect(resolveSeed(new SamplingParams({ seed: 100, n: 3 }), 2, source)).toBe(102);
    const first = new SeedSource(42).next();
    const state = createSamplingRequestState({
      requestId: "r",
      params: new SamplingParams(),
      promptTokenIds: [1, 2],
      seedSource: source,
    });
    expect(state.seed).toBe(first);
    expect(state.outputTokenIds).toEqual([]);
  });
});
