import type { NativeTensor } from "../addon-types.js";
import { nativeOps } from "../load-addon.js";
import type { Tensor } from "../tensor.js";

interface EmbeddingOps {
  embedding(out: NativeTensor, weight: NativeTensor, ids: NativeTensor): void;
  gatherRows(out: NativeTensor, x: NativeTensor, indices: NativeTensor): void;
  scatterRows(out: NativeTensor, x: NativeTensor, indices: NativeTensor): void;
}

const native = () => nativeOps<EmbeddingOps>();

/**
 * Token embedding lookup: out[t] = weight[ids[t]] for weight [V, H] and int32 ids (any shape of T
 * elements); out holds T rows of H in weight's dtype. An id outside [0, V) raises
 * KernelArgumentError naming the id and V.
 */
export function embedding(out: Tensor, weight: Tensor, ids: Tensor): Tensor {
  native().embedding(out.native, weight.native, ids.native);
  return out;
}

/** out[i] = x[indices[i]] along the first dimension (any dtype; int32 indices in range). */
export function gatherRows(out: Tensor, x: Tensor, indices: Tensor): Tensor {
  native().gatherRows(out.native, x.native, indices.native);
  return out;
}

/**
 * out[indices[i]] = x[i] along the first dimension (any dtype); rows of out not named keep their
 * values, and a repeated index takes the last of its rows.
 */
export function scatterRows(out: Tensor, x: Tensor, indices: Tensor): Tensor {
  native().scatterRows(out.native, x.native, indices.native);
  return out;
}
