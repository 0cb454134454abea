import type { NativeTensor } from "../addon-types.js";
import { nativeOps } from "../load-addon.js";
import type { Tensor } from "../tensor.js";

interface MoeOps {
  moeRoute(
    topkWeights: NativeTensor,
    topkIds: NativeTensor,
    routerLogits: NativeTensor,
    renormalize: boolean,
  ): void;
  moeExperts(
    out: NativeTensor,
    x: NativeTensor,
    w13: NativeTensor,
    w2: NativeTensor,
    topkWeights: NativeTensor,
    topkIds: NativeTensor,
  ): void;
}

const native = () => nativeOps<MoeOps>();

export interface MoeRouteOptions {
  /** Rescale the k chosen probabilities to sum to 1 (Mixtral does). */
  renormalize: boolean;
}

/**
 * Routes each token to its top-k experts: softmax over routerLogits [T, E] in float32, then the k
 * largest probabilities (ties to the lower expert), optionally renormalised. Writes float32
 * topkWeights [T, k] and int32 topkIds [T, k]; k is their last dimension.
 */
export function moeRoute(
  topkWeights: Tensor,
  topkIds: Tensor,
  routerLogits: Tensor,
  options: MoeRouteOptions,
): void {
  native().moeRoute(topkWeights.native, topkIds.native, routerLogits.native, options.renormalize);
}

/**
 * The experts of a Mixtral-style MoE layer: out[t] = Σ_j w_j · W2_e (silu(W1_e x) ⊙ (W3_e x)) with
 * e = topkIds[t, j] and w_j = topkWeights[t, j].
 *
 * Weight packing: w13 [E, 2I, H] stacks each expert's w1 (gate) in rows [0, I) and w3 (up) in rows
 * [I, 2I); w2 [E, H, I] is the down projection (PyTorch layout, like linear's weight). x and out
 * are [T, H] of one dtype; the weights may be another float dtype. Tokens are grouped per expert
 * and each group runs through the dense GEMM; every expert rounds where linear → siluAndMul →
 * linear would, and the weighted sum over experts is float32, rounded once.
 */
export function moeExperts(
  out: Tensor,
  x: Tensor,
  w13: Tensor,
  w2: Tensor,
  topkWeights: Tensor,
  topkIds: Tensor,
): Tensor {
  native().moeExperts(out.native, x.native, w13.native, w2.native, topkWeights.native, topkIds.native);
  return out;
}
