import type { NativeTensor } from "./addon-types.js";
import { type DType, dtypeCode } from "./dtype.js";
import { nativeOps } from "./load-addon.js";
import { Tensor } from "./tensor.js";

interface PinnedOps {
  emptyPinned(dtype: number, shape: readonly number[]): NativeTensor;
  isPinned(tensor: NativeTensor): boolean;
}

/**
 * An uninitialised CPU tensor in page-locked ("pinned") host memory when a CUDA device is present,
 * so copies between it and the GPU run as DMA at full bus speed (the KV cache's swap space); plain
 * host memory otherwise. Pinned memory is a scarce OS resource: allocate it once and reuse it.
 */
export function emptyPinned(shape: readonly number[], options: { dtype?: DType } = {}): Tensor {
  return Tensor.fromNative(nativeOps<PinnedOps>().emptyPinned(dtypeCode(options.dtype ?? "float32"), shape));
}

/** True if the tensor's memory is page-locked host memory (views of it too). */
export function isPinned(tensor: Tensor): boolean {
  return nativeOps<PinnedOps>().isPinned(tensor.native);
}
