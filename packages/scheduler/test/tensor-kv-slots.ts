import { type BlockIdPair, KVCacheStorage } from "@vllm-ts/kv-cache";
import type { KVSlots } from "./harness.js";

/**
 * Slots backed by real KV cache tensors (2 layers, one head of size 1, float32, on the CPU):
 * K holds the value and V its negation in both layers, and swaps run through KVCacheStorage,
 * i.e. the backend's copyBlocks. A slot whose four copies disagree reads as NaN.
 */
export class TensorKVSlots implements KVSlots, Disposable {
  private readonly storage: KVCacheStorage;
  private readonly layers: Float32Array[];

  constructor(
    numBlocks: number,
    numHostBlocks: number,
    private readonly blockSize: number,
  ) {
    this.storage = new KVCacheStorage({
      numLayers: 2,
      blockSize,
      numKvHeads: 1,
      headSize: 1,
      dtype: "float32",
      device: "cpu",
      numDeviceBlocks: numBlocks,
      numHostBlocks,
    });
    this.layers = this.storage.deviceCaches.map(() => new Float32Array(numBlocks * 2 * blockSize));
  }

  async load(): Promise<void> {
    for (let layer = 0; layer < this.layers.length; layer++) {
      this.layers[layer]!.set(await this.storage.deviceCaches[layer]!.toFloat32Array());
    }
  }

  get(block: number, slot: number): number {
    const k = block * 2 * this.blockSize + slot;
    const v = k + this.blockSize;
    const value = this.layers[0]![k]!;
    const consistent = this.layers.every((data) => data[k] === value && data[v] === -value);
    return consistent ? value : Number.NaN;
  }

  set(block: number, slot: number, value: number): void {
    const k = block * 2 * this.blockSize + slot;
    for (const data of this.layers) {
      data[k] = value;
      data[k + this.blockSize] = -value;
    }
  }

  store(): void {
    this.layers.forEach((data, layer) => {
      this.storage.deviceCaches[layer]!.copyFromBytes(data);
    });
  }

  swapOut(pairs: readonly BlockIdPair[]): void {
    this.storage.swapOut(pairs);
  }

  swapIn(pairs: readonly BlockIdPair[]): void {
    this.storage.swapIn(pairs);
  }

  [Symbol.dispose](): void {
    this.storage.dispose();
  }
}
