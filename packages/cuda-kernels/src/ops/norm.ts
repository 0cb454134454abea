import type { NativeTensor } from "../addon-types.js";
import { nativeOps } from "../load-addon.js";
import type { Tensor } from "../tensor.js";

interface NormOps {
  rmsNorm(out: NativeTensor, x: NativeTensor, weight: NativeTensor, eps: number, gemma: boolean): void;
  fusedAddRmsNorm(
    x: NativeTensor,
    residual: NativeTensor,
    weight: NativeTensor,
    eps: number,
    gemma: boolean,
  ): void;
  layerNorm(
    out: NativeTensor,
    x: NativeTensor,
    weight: NativeTensor,
    bias: NativeTensor | null,
    eps: number,
  ): void;
}

const native = () => nativeOps<NormOps>();

export interface RmsNormOptions {
  /** Gemma's form: multiply by (1 + weight), all in float32, rounded once. */
  gemma?: boolean;
}

/**
 * RMSNorm over the last dimension: out = x / sqrt(mean(x²) + eps) · weight.
 *
 * x and out share dtype and shape (out may be x); weight is [hidden] of any float dtype. The
 * default (Llama) form rounds x / rms to x's dtype before multiplying by the weight, as Hugging
 * Face and vLLM do; `gemma: true` computes x / rms · (1 + weight) in float32 and rounds once.
 */
export function rmsNorm(
  out: Tensor,
  x: Tensor,
  weight: Tensor,
  eps: number,
  options: RmsNormOptions = {},
): Tensor {
  native().rmsNorm(out.native, x.native, weight.native, eps, options.gemma ?? false);
  return out;
}

/**
 * vLLM's fused_add_rms_norm, both in place: residual = x + residual (stored in the dtype), then
 * x = rmsNorm(residual). x and residual share dtype and shape and must not overlap.
 */
export function fusedAddRmsNorm(
  x: Tensor,
  residual: Tensor,
  weight: Tensor,
  eps: number,
  options: RmsNormOptions = {},
): void {
  native().fusedAddRmsNorm(x.native, residual.native, weight.native, eps, options.gemma ?? false);
}

/**
 * LayerNorm over the last dimension: out = (x - mean) / sqrt(var + eps) · weight + bias, with the
 * biased variance (torch.nn.LayerNorm); bias is optional. float32 math, rounded once; out may be x.
 */
export function layerNorm(
  out: Tensor,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null | undefined,
  eps: number,
): Tensor {
  native().layerNorm(out.native, x.native, weight.native, bias?.native ?? null, eps);
  return out;
}
