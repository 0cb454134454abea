// reshapeAndCache and copyBlocks against the layout written out in TypeScript:
// [numBlocks, 2, blockSize, numKvHeads, headSize], keys at index 0 of dim 1, values at 1.
import { describe, expect, it } from "vitest";
import { type DType, KernelArgumentError, ops, Tensor } from "../src/index.js";
import { testDevices } from "./devices.js";
import { randomArray, roundTo } from "./reference.js";

const GEOMETRY = { numBlocks: 9, blockSize: 5, numKvHeads: 3, headSize: 17 };
const SENTINEL = 7;

function index(block: number, half: number, offset: number, head: number, d: number): number {
  const { blockSize, numKvHeads, headSize } = GEOMETRY;
  return (((block * 2 + half) * blockSize + offset) * numKvHeads + head) * headSize + d;
}

/** Distinct slots for `n` tokens in a scattered order, every fourth one padding (−1). */
function slotsFor(n: number): number[] {
  const total = GEOMETRY.numBlocks * GEOMETRY.blockSize;
  const order = randomArray(total, 42);
  const slots = Array.from({ length: total }, (_, i) => i).sort((a, b) => order[a]! - order[b]!);
  return Array.from({ length: n }, (_, t) => (t % 4 === 3 ? -1 : slots[t]!));
}

describe.each(testDevices())("KV cache ops on %s", (device) => {
  const { numBlocks, blockSize, numKvHeads, headSize } = GEOMETRY;
  const shape = ops.kvCacheShape(numBlocks, blockSize, numKvHeads, headSize);

  it.each([
    ["float32", "float32"],
    ["float32", "bfloat16"],
    ["float32", "float16"],
    ["bfloat16", "bfloat16"],
    ["float16", "float16"],
  ] as [DType, DType][])(
    "reshapeAndCache writes %s keys and values into a %s cache's slots",
    async (kvDtype, cacheDtype) => {
      const T = 23;
      const slots = slotsFor(T);
      const k = randomArray(T * numKvHeads * headSize, 1).map((x) => roundTo(x, kvDtype));
      const v = randomArray(T * numKvHeads * headSize, 2).map((x) => roundTo(x, kvDtype));
      using cache = Tensor.full(shape, SENTINEL, { dtype: cacheDtype, device });
      // Half the cases pass the flat [T, numKvHeads * headSize] form.
      const kvShape = kvDtype === cacheDtype ? [T, numKvHeads, headSize] : [T, numKvHeads * headSize];
      using tk = Tensor.fromArray(k, { dtype: kvDtype, shape: kvShape, device });
      using tv = Tensor.fromArray(v, { dtype: kvDtype, shape: kvShape, device });
      using slotMapping = Tensor.fromArray(new Int32Array(slots), { device });
      ops.reshapeAndCache(cache, tk, tv, slotMapping);
      const expected = new Float64Array(cache.numel).fill(SENTINEL);
      slots.forEach((slot, t) => {
        if (slot < 0) return;
        const block = Math.floor(slot / blockSize);
        for (let h = 0; h < numKvHeads; h++) {
          for (let d = 0; d < headSize; d++) {
            const from = (t * numKvHeads + h) * headSize + d;
            expected[index(block, 0, slot % blockSize, h, d)] = roundTo(k[from]!, cacheDtype);
            expected[index(block, 1, slot % blockSize, h, d)] = roundTo(v[from]!, cacheDtype);
          }
        }
      });
      expect(await cache.toNumbers()).toEqual(Array.from(expected));
    },
  );

  it("reshapeAndCache with no tokens leaves the cache alone", async () => {
    using cache = Tensor.full(shape, SENTINEL, { device });
    using k = Tensor.empty([0, numKvHeads, headSize], { device });
    using slots = Tensor.empty([0], { dtype: "int32", device });
    ops.reshapeAndCache(cache, k, k, slots);
    expect((await cache.toNumbers()).every((x) => x === SENTINEL)).toBe(true);
  });

  it("reshapeAndCache rejects bad operands before writing", async () => {
    using cache = Tensor.full(shape, SENTINEL, { device });
    using k = Tensor.zeros([2, numKvHeads, headSize], { device });
    using kHalf = Tensor.zeros([2, numKvHeads, headSize], { dtype: "bfloat16", device });
    const slots = (values: number[]) => Tensor.fromArray(new Int32Array(values), { device });
    using inRange = slots([0, 44]);
    using tooBig = slots([0, 45]);
    using negative = slots([-2, 1]);
    using short = slots([1]);
    // The slot values: on CUDA they live on the device, where the kernel skips out-of-range slots
    // instead (checking them here would wait for the GPU); attention-cuda.test.ts covers that.
    if (device === "cpu") {
      expect(() => ops.reshapeAndCache(cache, k, k, tooBig)).toThrowError(
        "reshapeAndCache: slotMapping[1] is 45, outside the cache's 45 slots (9 blocks of 5); use -1 to skip a token",
      );
      expect(() => ops.reshapeAndCache(cache, k, k, negative)).toThrowError(/slotMapping\[0\] is -2/);
    }
    expect(() => ops.reshapeAndCache(cache, k, k, short)).toThrowError(KernelArgumentError);
    expect(() => ops.reshapeAndCache(cache, k, kHalf, inRange)).toThrowError(
      "reshapeAndCache: operand 'v' has dtype bfloat16 but 'k' has dtype float32",
    );
    using wrongHeads = Tensor.zeros([2, 2, headSize], { device });
    expect(() => ops.reshapeAndCache(cache, wrongHeads, wrongHeads, inRange)).toThrowError(
      "reshapeAndCache: operand 'k' has 2 heads (shape [2, 2, 17]) but numKvHeads is 3",
    );
    using wrongSize = Tensor.zeros([2, numKvHeads, 16], { device });
    expect(() => ops.reshapeAndCache(cache, wrongSize, wrongSize, inRange)).toThrowError(/head size 16/);
    using notCache = Tensor.zeros([9, 3, 5, 3, 17], { device });
    expect(() => ops.reshapeAndCache(notCache, k, k, inRange)).toThrowError(
      /operand 'kvCache' must be a KV cache \[numBlocks, 2, blockSize, numKvHeads, headSize\]/,
    );
    using longSlots = Tensor.fromArray([0n, 1n], { dtype: "int64", device });
    expect(() => ops.reshapeAndCache(cache, k, k, longSlots)).toThrowError(/'slotMapping' has dtype int64/);
    expect((await cache.toNumbers()).every((x) => x === SENTINEL)).toBe(true);
  });

  it.each(["float32", "bfloat16", "float16"] as DType[])(
    "copyBlocks between two %s caches of different sizes",
    async (dtype) => {
      const srcShape = ops.kvCacheShape(6, blockSize, numKvHeads, headSize);
      const blockNumel = 2 * blockSize * numKvHeads * headSize;
      using src = Tensor.fromArray(randomArray(6 * blockNumel, 3), { dtype, shape: srcShape, device });
      using dst = Tensor.fromArray(randomArray(numBlocks * blockNumel, 4), { dtype, shape, device });
      const before = await dst.toBytes();
      const srcBytes = await src.toBytes();
      const pairs = [
        [1, 7],
        [5, 0],
        [2, 3],
      ];
      using mapping = Tensor.fromArray(new Int32Array(pairs.flat()), { shape: [3, 2] });
      ops.copyBlocks(dst, src, mapping);
      const after = await dst.toBytes();
      const blockBytes = blockNumel * (dtype === "float32" ? 4 : 2);
      expect(ops.kvCacheBlockBytes(blockSize, numKvHeads, headSize, dtype)).toBe(blockBytes);
      const expected = before.slice();
      for (const [from, to] of pairs) {
        expected.set(srcBytes.subarray(from! * blockBytes, (from! + 1) * blockBytes), to! * blockBytes);
      }
      expect(after).toEqual(expected);
    },
  );

  it("copyBlocks swaps blocks out to host memory and back into other blocks", async () => {
    using cache = Tensor.fromArray(randomArray(numBlocks * 2 * blockSize * numKvHeads * headSize, 5), {
      shape,
      device,
    });
    using swap = Tensor.zeros(ops.kvCacheShape(4, blockSize, numKvHeads, headSize), { device: "cpu" });
    using out = Tensor.fromArray(new Int32Array([3, 0, 8, 1]), { shape: [2, 2] });
    using back = Tensor.fromArray(new Int32Array([0, 5, 1, 6]), { shape: [2, 2] });
    ops.copyBlocks(swap, cache, out);
    ops.copyBlocks(cache, swap, back);
    const values = await cache.toNumbers();
    const block = (b: number) => values.slice(index(b, 0, 0, 0, 0), index(b + 1, 0, 0, 0, 0));
    expect(block(5)).toEqual(block(3));
    expect(block(6)).toEqual(block(8));
  });

  it("copyBlocks within one cache, and its checks before any copy", async () => {
    using cache = Tensor.fromArray(randomArray(numBlocks * 2 * blockSize * numKvHeads * headSize, 6), {
      shape,
      device,
    });
    const before = await cache.toNumbers();
    const rows = (pairs: number[][]) =>
      Tensor.fromArray(new Int32Array(pairs.flat()), { shape: [pairs.length, 2] });
    using bad = rows([
      [1, 2],
      [9, 3],
    ]);
    expect(() => ops.copyBlocks(cache, cache, bad)).toThrowError(
      "copyBlocks: mapping[1] copies from block 9, outside 'src''s 9 blocks",
    );
    using badDst = rows([[1, -1]]);
    expect(() => ops.copyBlocks(cache, cache, badDst)).toThrowError(
      /copies to block -1, outside 'dst''s 9 blocks/,
    );
    using twice = rows([
      [1, 2],
      [3, 2],
    ]);
    expect(() => ops.copyBlocks(cache, cache, twice)).toThrowError(
      "copyBlocks: mapping[1] writes block 2 a second time",
    );
    using chained = rows([
      [1, 2],
      [2, 3],
    ]);
    expect(() => ops.copyBlocks(cache, cache, chained)).toThrowError(
      /mapping\[1\] reads block 2, which another row overwrites/,
    );
    expect(await cache.toNumbers()).toEqual(before);
    using ok = rows([
      [1, 2],
      [4, 4],
      [8, 0],
    ]);
    ops.copyBlocks(cache, cache, ok);
    const after = await cache.toNumbers();
    const block = (values: number[], b: number) =>
      values.slice(index(b, 0, 0, 0, 0), index(b + 1, 0, 0, 0, 0));
    expect(block(after, 2)).toEqual(block(before, 1));
    expect(block(after, 0)).toEqual(block(before, 8));
    expect(block(after, 4)).toEqual(block(before, 4));
  });

  it("copyBlocks needs caches of one block shape and dtype, and an int32 [n, 2] host mapping", () => {
    using a = Tensor.zeros(shape, { device });
    using b = Tensor.zeros(ops.kvCacheShape(9, 4, numKvHeads, headSize), { device });
    using c = Tensor.zeros(shape, { dtype: "bfloat16", device });
    using mapping = Tensor.fromArray(new Int32Array([0, 1]), { shape: [1, 2] });
    expect(() => ops.copyBlocks(a, b, mapping)).toThrowError(
      "copyBlocks: operand 'src' has shape [9, 2, 4, 3, 17] but 'dst' has shape [9, 2, 5, 3, 17]; the caches may differ only in their number of blocks",
    );
    expect(() => ops.copyBlocks(a, c, mapping)).toThrowError(
      /'src' has dtype bfloat16 but 'dst' has dtype float32/,
    );
    using wide = Tensor.fromArray(new Int32Array([0, 1, 2]), { shape: [1, 3] });
    expect(() => ops.copyBlocks(a, a, wide)).toThrowError(/'mapping' must have size 2 in dimension 1/);
  });

  it("kvCacheShape documents the layout and checks its arguments", () => {
    expect(ops.kvCacheShape(10, 16, 8, 128)).toEqual([10, 2, 16, 8, 128]);
    expect(ops.KV_CACHE_LAYOUT).toBe("[numBlocks, 2, blockSize, numKvHeads, headSize]");
    expect(ops.kvCacheBlockBytes(16, 8, 128, "bfloat16")).toBe(2 * 16 * 8 * 128 * 2);
    expect(() => ops.kvCacheShape(0, 16, 8, 128)).toThrowError(
      "kvCacheShape: numBlocks must be a positive integer, got 0",
    );
    expect(() => ops.kvCacheShape(4, 16, 1.5, 128)).toThrowError(KernelArgumentError);
  });
});
