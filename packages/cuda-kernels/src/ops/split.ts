import type { NativeTensor } from "../addon-types.js";
import { nativeOps } from "../load-addon.js";
import type { Tensor } from "../tensor.js";

interface SplitOps {
  splitColumns(x: NativeTensor, ...outs: NativeTensor[]): void;
}

/**
 * Copies consecutive column ranges of x [rows, Σ widths] into outs [rows, width] each (1 to 4 of
 * them, x's dtype and device), in one launch: a stacked projection's output (q, k and v of one
 * qkv GEMM) into contiguous parts. Returns the outs.
 */
export function splitColumns(x: Tensor, outs: readonly Tensor[]): readonly Tensor[] {
  nativeOps<SplitOps>().splitColumns(x.native, ...outs.map((out) => out.native));
  return outs;
}
