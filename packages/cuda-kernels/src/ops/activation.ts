import type { NativeTensor } from "../addon-types.js";
import { KernelArgumentError } from "../errors.js";
import { nativeOps } from "../load-addon.js";
import type { Tensor } from "../tensor.js";

interface ActivationOps {
  siluAndMul(out: NativeTensor, x: NativeTensor): void;
  geluAndMul(out: NativeTensor, x: NativeTensor, tanh: boolean): void;
  gelu(out: NativeTensor, x: NativeTensor, tanh: boolean): void;
  relu(out: NativeTensor, x: NativeTensor): void;
  silu(out: NativeTensor, x: NativeTensor): void;
  softcap(out: NativeTensor, x: NativeTensor, cap: number): void;
  scale(out: NativeTensor, x: NativeTensor, s: number): void;
  mul(out: NativeTensor, a: NativeTensor, b: NativeTensor): void;
}

const native = () => nativeOps<ActivationOps>();

/** GELU's form: the exact erf one ("none") or PyTorch's tanh approximation ("tanh"). */
export interface GeluOptions {
  approximate: "none" | "tanh";
}

function isTanh(op: string, options: GeluOptions | undefined): boolean {
  const approximate = options?.approximate ?? "none";
  if (approximate !== "none" && approximate !== "tanh") {
    throw new KernelArgumentError(
      `${op}: approximate must be "none" or "tanh", got ${JSON.stringify(approximate)}`,
    );
  }
  return approximate === "tanh";
}

/**
 * out[..., I] = silu(x[..., :I]) · x[..., I:] for x [..., 2I] (the gated MLP of Llama and kin:
 * gate and up projections fused into one matrix). One dtype; float32 math; silu(·) is rounded to
 * the dtype before the product, as vLLM and Hugging Face do.
 */
export function siluAndMul(out: Tensor, x: Tensor): Tensor {
  native().siluAndMul(out.native, x.native);
  return out;
}

/** out[..., I] = gelu(x[..., :I]) · x[..., I:] (Gemma's MLP); see siluAndMul. */
export function geluAndMul(out: Tensor, x: Tensor, options: GeluOptions = { approximate: "none" }): Tensor {
  native().geluAndMul(out.native, x.native, isTanh("geluAndMul", options));
  return out;
}

/** out = gelu(x), elementwise; out may be x (in place) or have another float dtype. */
export function gelu(out: Tensor, x: Tensor, options: GeluOptions = { approximate: "none" }): Tensor {
  native().gelu(out.native, x.native, isTanh("gelu", options));
  return out;
}

/** out = max(x, 0), elementwise (NaN stays NaN); out may be x. */
export function relu(out: Tensor, x: Tensor): Tensor {
  native().relu(out.native, x.native);
  return out;
}

/** out = x · sigmoid(x), elementwise; out may be x. */
export function silu(out: Tensor, x: Tensor): Tensor {
  native().silu(out.native, x.native);
  return out;
}

/** out = cap · tanh(x / cap) (Gemma 2's logit soft-capping), cap > 0; out may be x. */
export function softcap(out: Tensor, x: Tensor, cap: number): Tensor {
  native().softcap(out.native, x.native, cap);
  return out;
}

/** out = a · b elementwise; b has a's shape or is one row over a's last dimension; one dtype. */
export function mul(out: Tensor, a: Tensor, b: Tensor): Tensor {
  native().mul(out.native, a.native, b.native);
  return out;
}

/** out = s · x; out may be x. */
export function scale(out: Tensor, x: Tensor, s: number): Tensor {
  native().scale(out.native, x.native, s);
  return out;
}
