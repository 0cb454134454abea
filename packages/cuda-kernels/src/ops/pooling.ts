import type { NativeTensor } from "../addon-types.js";
import { nativeOps } from "../load-addon.js";
import type { Tensor } from "../tensor.js";

interface PoolingOps {
  meanPool(out: NativeTensor, x: NativeTensor, startLoc: NativeTensor): void;
  l2Normalize(out: NativeTensor, x: NativeTensor): void;
}

const native = () => nativeOps<PoolingOps>();

/**
 * out[s] = the mean of rows [startLoc[s], startLoc[s + 1]) of x [T, H], summed in float32, for
 * int32 startLoc [S + 1] (the flat batch's query start offsets); out is [S, H] of any float dtype.
 * Ranges must be non-empty, increasing and within x, else KernelArgumentError.
 */
export function meanPool(out: Tensor, x: Tensor, startLoc: Tensor): Tensor {
  native().meanPool(out.native, x.native, startLoc.native);
  return out;
}

/**
 * out = x / max(‖x‖₂, 1e-12) over the last dimension (torch.nn.functional.normalize), in float32;
 * out has x's shape, any float dtype, and may be x.
 */
export function l2Normalize(out: Tensor, x: Tensor): Tensor {
  native().l2Normalize(out.native, x.native);
  return out;
}
