import type { NativeTensor } from "../addon-types.js";
import { nativeOps } from "../load-addon.js";
import type { Tensor } from "../tensor.js";

interface ElementwiseOps {
  fill(out: NativeTensor, value: number): void;
  fillUniform(out: NativeTensor, low: number, high: number, seed: number): void;
  cast(out: NativeTensor, x: NativeTensor): void;
  copy(dst: NativeTensor, src: NativeTensor): void;
  add(out: NativeTensor, a: NativeTensor, b: NativeTensor): void;
}

const native = () => nativeOps<ElementwiseOps>();

/** out[i] = value. */
export function fill(out: Tensor, value: number): Tensor {
  native().fill(out.native, value);
  return out;
}

/**
 * out[i] = low + (high − low)·u(seed, i) with u uniform in [0, 1) from a counter-based hash: the
 * same values on every device, for dummy weights and tests. `seed` is an integer in [0, 2^53).
 */
export function fillUniform(out: Tensor, low: number, high: number, seed: number): Tensor {
  native().fillUniform(out.native, low, high, seed);
  return out;
}

/** out = x converted to out's dtype (same device, same element count). */
export function cast(out: Tensor, x: Tensor): Tensor {
  native().cast(out.native, x.native);
  return out;
}

/** dst = src (same dtype and element count), between any two devices. */
export function copy(dst: Tensor, src: Tensor): Tensor {
  native().copy(dst.native, src.native);
  return dst;
}

/** out = a + b; b has a's shape, or is one row broadcast over a's last dimension. */
export function add(out: Tensor, a: Tensor, b: Tensor): Tensor {
  native().add(out.native, a.native, b.native);
  return out;
}
