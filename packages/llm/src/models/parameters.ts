import type { DeviceSpec, DType, Tensor } from "@vllm-ts/cuda-kernels";
import { Tensor as TensorClass } from "@vllm-ts/cuda-kernels";

/**
 * The named weights of a model, created (uninitialised) when the model is built and filled by the
 * weight loader. Names follow the Hugging Face checkpoint after the family's weight map (stacked
 * parameters such as `qkv_proj` have their own names).
 */
export class ParameterStore implements Disposable {
  private readonly params = new Map<string, Tensor>();
  private readonly shards = new Map<string, Map<string, { start: number; length: number }>>();

  constructor(
    readonly dtype: DType,
    readonly device: DeviceSpec,
  ) {}

  /** Declares a parameter; `dtype` overrides the model dtype (e.g. float32 router weights). */
  create(name: string, shape: readonly number[], dtype: DType = this.dtype): Tensor {
    if (this.params.has(name)) throw new Error(`parameter ${name} is declared twice`);
    const tensor = TensorClass.empty(shape, { dtype, device: this.device });
    this.params.set(name, tensor);
    return tensor;
  }

  /** Makes `alias` name the same tensor as `name` (tied embeddings). */
  tie(alias: string, name: string): Tensor {
    const tensor = this.get(name);
    this.params.set(alias, tensor);
    return tensor;
  }

  /**
   * Declares that rows [start, start + length) of parameter `name` hold the checkpoint tensor of
   * shard `shardId` (q/k/v of a stacked qkv_proj, gate/up of gate_up_proj, …).
   */
  defineShard(name: string, shardId: string, start: number, length: number): void {
    const byId = this.shards.get(name) ?? new Map<string, { start: number; length: number }>();
    byId.set(shardId, { start, length });
    this.shards.set(name, byId);
  }

  /** The rows of `name` that shard `shardId` occupies, as a view. */
  shard(name: string, shardId: string): Tensor {
    const range = this.shards.get(name)?.get(shardId);
    if (!range) throw new Error(`parameter ${name} has no shard ${shardId}`);
    return this.get(name).narrow(range.start, range.length);
  }

  get(name: string): Tensor {
    const tensor = this.params.get(name);
    if (!tensor) throw new Error(`unknown parameter ${name}`);
    return tensor;
  }

  has(name: string): boolean {
    return this.params.has(name);
  }

  names(): string[] {
    return [...this.params.keys()];
  }

  entries(): IterableIterator<[string, Tensor]> {
    return this.params.entries();
  }

  /** Bytes held by distinct parameter tensors. */
  get nbytes(): number {
    let total = 0;
    for (const tensor of new Set(this.params.values())) total += tensor.nbytes;
    return total;
  }

  dispose(): void {
    for (const tensor of new Set(this.params.values())) tensor.dispose();
    this.params.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
