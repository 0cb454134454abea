import { buildRotaryCache, type DeviceSpec, ops, type RopeScaling, Tensor } from "@vllm-ts/cuda-kernels";
import type { ForwardContext } from "../forward-context.js";

export interface RotaryOptions {
  headSize: number;
  /** Dimensions rotated per head (partial rotary when < headSize). */
  rotaryDim: number;
  maxPositions: number;
  base: number;
  scaling?: RopeScaling | null;
  /** NeoX style rotates halves (Llama, Qwen, Gemma, …); GPT-J style rotates interleaved pairs. */
  neox: boolean;
}

/** Rotary position embedding with its cos/sin cache built once on the model's device. */
export class RotaryEmbedding implements Disposable {
  readonly cosSinCache: Tensor;

  constructor(
    readonly options: RotaryOptions,
    device: DeviceSpec,
  ) {
    const cache = buildRotaryCache({
      headSize: options.headSize,
      rotaryDim: options.rotaryDim,
      maxPositions: options.maxPositions,
      base: options.base,
      scaling: options.scaling ?? null,
    });
    this.cosSinCache = Tensor.fromArray(cache, {
      shape: [options.maxPositions, options.rotaryDim],
      dtype: "float32",
      device,
    });
  }

  /** Rotates q [T, heads·headSize] and k [T, kvHeads·headSize] in place at ctx.positions. */
  apply(ctx: ForwardContext, q: Tensor, k: Tensor): void {
    ops.rotaryEmbedding(q, k, ctx.positions, this.cosSinCache, {
      headSize: this.options.headSize,
      rotaryDim: this.options.rotaryDim,
      neox: this.options.neox,
    });
  }

  dispose(): void {
    this.cosSinCache.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
