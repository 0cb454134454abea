import type { NativeTensor } from "../addon-types.js";
import { nativeOps } from "../load-addon.js";
import type { Tensor } from "../tensor.js";

interface ReductionOps {
  softmax(out: NativeTensor, x: NativeTensor): void;
  logSoftmax(out: NativeTensor, x: NativeTensor): void;
  argmax(out: NativeTensor, x: NativeTensor): void;
  topk(values: NativeTensor, indices: NativeTensor, x: NativeTensor): void;
}

const native = () => nativeOps<ReductionOps>();

/**
 * Softmax over the last dimension in float32. out has x's shape and any float dtype (float32
 * probabilities from bfloat16 logits); it may be x itself. A row holding NaN, or only -inf, comes
 * out NaN, as in torch.
 */
export function softmax(out: Tensor, x: Tensor): Tensor {
  native().softmax(out.native, x.native);
  return out;
}

/** Log-softmax over the last dimension: x − max − log Σ exp(x − max); see softmax. */
export function logSoftmax(out: Tensor, x: Tensor): Tensor {
  native().logSoftmax(out.native, x.native);
  return out;
}

/**
 * out[r] = the index of the largest value in row r of x [rows, V] (int32 out of rows elements).
 * Ties go to the lower index; NaN counts as larger than every number (as torch.argmax does), so a
 * row with NaN gives its first NaN.
 */
export function argmax(out: Tensor, x: Tensor): Tensor {
  native().argmax(out.native, x.native);
  return out;
}

/**
 * The k largest entries of each row of x [rows, V], sorted descending, k = values' last dimension
 * (≤ V): values [rows, k] (any float dtype) and int32 indices [rows, k]. Ties go to the lower index;
 * NaN ranks above every number, as in torch.topk.
 */
export function topk(values: Tensor, indices: Tensor, x: Tensor): void {
  native().topk(values.native, indices.native, x.native);
}
