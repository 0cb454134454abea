import { describe, expect, it } from "vitest";
import { KernelArgumentError, ops, Tensor } from "../src/index.js";
import { testDevices } from "./devices.js";
import { randomArray } from "./reference.js";
import { chiSquareTest, philoxReference } from "./sampling-reference.js";

// Random123's kat_vectors for philox4x32-10: counter (4 words), key (2 words) → output (4 words).
const KNOWN_ANSWERS = [
  [
    [0, 0, 0, 0],
    [0, 0],
    [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
  ],
  [
    [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    [0xffffffff, 0xffffffff],
    [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  ],
  [
    [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    [0xa4093822, 0x299f31d0],
    [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  ],
] as const;

const asInt32 = (words: readonly number[]) => Int32Array.from(words, (w) => w | 0);
const asUint32 = (values: Int32Array) => Array.from(values, (v) => v >>> 0);

describe("the reference Philox", () => {
  it("matches the Random123 known answers", () => {
    for (const [counter, key, expected] of KNOWN_ANSWERS)
      expect(philoxReference(counter, key)).toEqual(expected);
  });
});

describe.each(testDevices())("philox4x32 on %s", (device) => {
  it("matches the Random123 known-answer vectors", async () => {
    using counters = Tensor.fromArray(asInt32(KNOWN_ANSWERS.flatMap(([c]) => c)), { shape: [3, 4], device });
    using keys = Tensor.fromArray(asInt32(KNOWN_ANSWERS.flatMap(([, k]) => k)), { shape: [3, 2], device });
    using out = Tensor.empty([3, 4], { dtype: "int32", device });
    ops.philox4x32(out, counters, keys);
    expect(asUint32((await out.toArray()) as Int32Array)).toEqual(KNOWN_ANSWERS.flatMap(([, , e]) => e));
  });

  it.each([1, 3, 17, 129])("equals the BigInt reference on %i random counters and keys", async (n) => {
    const words = Array.from(randomArray(n * 6, n, 0, 2 ** 32), Math.floor);
    const counters = words.slice(0, n * 4);
    const keys = words.slice(n * 4);
    using c = Tensor.fromArray(asInt32(counters), { shape: [n, 4], device });
    using k = Tensor.fromArray(asInt32(keys), { shape: [n, 2], device });
    using out = Tensor.empty([n, 4], { dtype: "int32", device });
    ops.philox4x32(out, c, k);
    const expected = Array.from({ length: n }, (_, i) =>
      philoxReference(counters.slice(4 * i, 4 * i + 4), keys.slice(2 * i, 2 * i + 2)),
    ).flat();
    expect(asUint32((await out.toArray()) as Int32Array)).toEqual(expected);
  });

  it("spreads the top byte of consecutive counters uniformly (chi-square, p > 0.001)", async () => {
    const n = 25_000;
    using c = Tensor.fromArray(asInt32(Array.from({ length: n * 4 }, (_, i) => (i % 4 === 0 ? i / 4 : 0))), {
      shape: [n, 4],
      device,
    });
    using k = Tensor.fromArray(asInt32(Array.from({ length: n * 2 }, (_, i) => (i % 2 ? 0 : 1234))), {
      shape: [n, 2],
      device,
    });
    using out = Tensor.empty([n, 4], { dtype: "int32", device });
    ops.philox4x32(out, c, k);
    const counts = new Array<number>(256).fill(0);
    for (const w of (await out.toArray()) as Int32Array) counts[(w >>> 24) & 0xff]! += 1;
    expect(chiSquareTest(counts, new Array(256).fill(1 / 256)).pValue).toBeGreaterThan(0.001);
  });

  it("names the operand whose shape is wrong", () => {
    using c = Tensor.zeros([2, 3], { dtype: "int32", device });
    using k = Tensor.zeros([2, 2], { dtype: "int32", device });
    using out = Tensor.empty([2, 4], { dtype: "int32", device });
    expect(() => ops.philox4x32(out, c, k)).toThrow(KernelArgumentError);
    expect(() => ops.philox4x32(out, c, k)).toThrow(/philox4x32: operand 'counters' has shape \[2, 3\]/);
  });
});
