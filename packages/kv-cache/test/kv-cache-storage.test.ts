// KVCacheStorage on real tensors: layout, and swaps through the backend's copyBlocks.
import { Tensor } from "@vllm-ts/cuda-kernels";
import { describe, expect, it } from "vitest";
import { KVCacheStorage } from "../src/index.js";

const spec = { numLayers: 2, blockSize: 3, numKvHeads: 2, headSize: 5 } as const;
const blockElems = 2 * spec.blockSize * spec.numKvHeads * spec.headSize;

/** A distinct value per (layer, block, element), exact in every tested dtype (small integers). */
const pattern = (layer: number, block: number, i: number) => ((layer * 7 + block * 13 + i) % 200) - 100;

async function blockValues(tensor: Tensor, block: number): Promise<number[]> {
  const all = await tensor.toFloat32Array();
  return Array.from(all.subarray(block * blockElems, (block + 1) * blockElems));
}

describe("KVCacheStorage", () => {
  for (const dtype of ["float32", "bfloat16", "float16"] as const) {
    it(`allocates [numBlocks, 2, blockSize, numKvHeads, headSize] per layer and round-trips swaps (${dtype})`, async () => {
      using storage = new KVCacheStorage({
        ...spec,
        dtype,
        device: "cpu",
        numDeviceBlocks: 7,
        numHostBlocks: 4,
      });
      expect(storage.deviceCaches).toHaveLength(2);
      expect(storage.deviceCaches[0]!.shape).toEqual([7, 2, 3, 2, 5]);
      expect(storage.deviceCaches[0]!.dtype).toBe(dtype);
      expect(storage.hostCaches[1]!.shape).toEqual([4, 2, 3, 2, 5]);
      expect(storage.hostCaches[1]!.device.kind).toBe("cpu");
      expect(Array.from(await storage.deviceCaches[1]!.toFloat32Array()).every((v) => v === 0)).toBe(true);

      // Fill device blocks with known data.
      for (let layer = 0; layer < 2; layer++) {
        const values = Array.from({ length: 7 * blockElems }, (_, i) =>
          pattern(layer, Math.floor(i / blockElems), i % blockElems),
        );
        using filled = Tensor.fromArray(values, { dtype, shape: [7, 2, 3, 2, 5] });
        storage.deviceCaches[layer]!.copyFromBytes(await filled.toBytes());
      }
      // Swap blocks 2, 5, 6 out to host blocks 3, 0, 1; clobber the device; swap back to 1, 4, 2.
      storage.swapOut([
        [2, 3],
        [5, 0],
        [6, 1],
      ]);
      for (const tensor of storage.deviceCaches) {
        using zeros = Tensor.zeros(tensor.shape, { dtype });
        tensor.copyFromBytes(await zeros.toBytes());
      }
      storage.swapIn([
        [3, 1],
        [0, 4],
        [1, 2],
      ]);
      for (let layer = 0; layer < 2; layer++) {
        const cache = storage.deviceCaches[layer]!;
        for (const [original, now] of [
          [2, 1],
          [5, 4],
          [6, 2],
        ] as const) {
          const expected = Array.from({ length: blockElems }, (_, i) => pattern(layer, original, i));
          expect(await blockValues(cache, now)).toEqual(expected);
        }
        expect((await blockValues(cache, 3)).every((v) => v === 0)).toBe(true);
      }
    });
  }

  it("rejects block pairs out of range before copying", () => {
    using storage = new KVCacheStorage({
      ...spec,
      dtype: "float32",
      device: "cpu",
      numDeviceBlocks: 4,
      numHostBlocks: 2,
    });
    expect(() => storage.swapOut([[3, 2]])).toThrow(
      "swapOut: block pair [3, 2] is out of range (4 source and 2 destination blocks)",
    );
    expect(() => storage.swapIn([[0, 4]])).toThrow(
      "swapIn: block pair [0, 4] is out of range (2 source and 4 destination blocks)",
    );
    expect(
      () =>
        new KVCacheStorage({ ...spec, numLayers: 0, dtype: "float32", device: "cpu", numDeviceBlocks: 4 }),
    ).toThrow("numLayers must be a positive integer, got 0");
  });

  it("has no host tensors without a swap space", () => {
    using storage = new KVCacheStorage({ ...spec, dtype: "float32", device: "cpu", numDeviceBlocks: 2 });
    expect(storage.hostCaches).toHaveLength(0);
    storage.swapOut([]);
  });
});
