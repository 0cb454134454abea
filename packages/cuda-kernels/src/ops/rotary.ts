import type { NativeTensor } from "../addon-types.js";
import { nativeOps } from "../load-addon.js";
import type { Tensor } from "../tensor.js";

interface RotaryOps {
  rotaryEmbedding(
    q: NativeTensor,
    k: NativeTensor | null,
    positions: NativeTensor,
    cosSinCache: NativeTensor,
    headSize: number,
    rotaryDim: number,
    neox: boolean,
  ): void;
}

const native = () => nativeOps<RotaryOps>();

export interface RotaryOptions {
  headSize: number;
  /** Leading dimensions of each head that rotate; defaults to the cache's width. */
  rotaryDim?: number;
  /** true: NeoX style (rotate the two halves, Llama); false: GPT-J style (interleaved pairs). */
  neox: boolean;
}

/**
 * Rotary position embedding, in place on q [T, numHeads·headSize] (or [T, numHeads, headSize]) and
 * k [T, numKvHeads·headSize] (optional), for int32 (or int64) positions [T].
 *
 * cosSinCache is float32 [maxPositions, rotaryDim]: cos in its first rotaryDim/2 columns, sin in
 * the rest (buildRotaryCache makes it). Each rotated pair (a, b) becomes
 * (a·cos − b·sin, b·cos + a·sin) in float32; head elements past rotaryDim are left untouched. A
 * position outside the cache raises KernelArgumentError.
 */
export function rotaryEmbedding(
  q: Tensor,
  k: Tensor | null,
  positions: Tensor,
  cosSinCache: Tensor,
  options: RotaryOptions,
): void {
  const rotaryDim = options.rotaryDim ?? cosSinCache.shape[1] ?? options.headSize;
  native().rotaryEmbedding(
    q.native,
    k?.native ?? null,
    positions.native,
    cosSinCache.native,
    options.headSize,
    rotaryDim,
    options.neox,
  );
}
