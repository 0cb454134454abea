import { ValidationError } from "@vllm-ts/config";
import { Device, type DeviceSpec, ops, Tensor } from "@vllm-ts/cuda-kernels";
import type { KVCacheSpec } from "./kv-cache-spec.js";
import type { BlockIdPair } from "./types.js";

export interface KVCacheStorageOptions extends KVCacheSpec {
  /** Where the KV cache lives ("cpu", "cuda", "cuda:N"). */
  readonly device: DeviceSpec;
  /** Device blocks (block 0 included: it is the null block, never read). */
  readonly numDeviceBlocks: number;
  /** Host blocks of the swap space (default 0). */
  readonly numHostBlocks?: number;
}

/**
 * The KV cache tensors: per layer, `[numBlocks, 2, blockSize, numKvHeads, headSize]` (K at index
 * 0 of the second dimension, V at 1) on the device, and the same layout with `numHostBlocks` rows
 * in host memory for swapping. Zero-initialised, so unwritten slots never hold NaNs.
 * Swaps copy whole blocks with the backend's `copyBlocks`; run them before the step's forward.
 */
export class KVCacheStorage implements Disposable {
  readonly device: Device;
  readonly spec: KVCacheSpec;
  readonly numDeviceBlocks: number;
  readonly numHostBlocks: number;
  /** One tensor per layer on the device. */
  readonly deviceCaches: readonly Tensor[];
  /** One tensor per layer in host memory (none when there is no swap space). */
  readonly hostCaches: readonly Tensor[];

  constructor(options: KVCacheStorageOptions) {
    const { numLayers, blockSize, numKvHeads, headSize, dtype } = options;
    for (const [name, value] of Object.entries({ numLayers, blockSize, numKvHeads, headSize })) {
      if (!Number.isInteger(value) || value < 1)
        throw new ValidationError(`${name} must be a positive integer, got ${value}`);
    }
    this.device = Device.parse(options.device);
    this.spec = { numLayers, blockSize, numKvHeads, headSize, dtype };
    this.numDeviceBlocks = options.numDeviceBlocks;
    this.numHostBlocks = options.numHostBlocks ?? 0;
    const rowShape = [2, blockSize, numKvHeads, headSize];
    const layers = Array.from({ length: numLayers });
    this.deviceCaches = layers.map(() =>
      Tensor.zeros([this.numDeviceBlocks, ...rowShape], { dtype, device: this.device }),
    );
    this.hostCaches =
      this.numHostBlocks === 0
        ? []
        : layers.map(() => Tensor.zeros([this.numHostBlocks, ...rowShape], { dtype, device: "cpu" }));
  }

  /** Copies `[device block, host block]` pairs to the swap space, in every layer. */
  swapOut(pairs: readonly BlockIdPair[]): void {
    this.copy(pairs, this.hostCaches, this.deviceCaches, "swapOut", this.numDeviceBlocks, this.numHostBlocks);
  }

  /** Copies `[host block, device block]` pairs back from the swap space, in every layer. */
  swapIn(pairs: readonly BlockIdPair[]): void {
    this.copy(pairs, this.deviceCaches, this.hostCaches, "swapIn", this.numHostBlocks, this.numDeviceBlocks);
  }

  dispose(): void {
    for (const tensor of [...this.deviceCaches, ...this.hostCaches]) tensor.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  private copy(
    pairs: readonly BlockIdPair[],
    dst: readonly Tensor[],
    src: readonly Tensor[],
    what: string,
    numSrcBlocks: number,
    numDstBlocks: number,
  ): void {
    if (pairs.length === 0) return;
    const mapping = new Int32Array(pairs.length * 2);
    pairs.forEach(([from, to], i) => {
      if (!(from >= 0 && from < numSrcBlocks && to >= 0 && to < numDstBlocks)) {
        throw new ValidationError(
          `${what}: block pair [${from}, ${to}] is out of range (${numSrcBlocks} source and ${numDstBlocks} destination blocks)`,
        );
      }
      mapping[2 * i] = from;
      mapping[2 * i + 1] = to;
    });
    // Host memory: the backend reads the rows while issuing the copies, so it can go right after.
    using rows = Tensor.fromArray(mapping, { shape: [pairs.length, 2], dtype: "int32" });
    for (let layer = 0; layer < dst.length; layer++) ops.copyBlocks(dst[layer]!, src[layer]!, rows);
  }
}
