import type { NativeTensor } from "../addon-types.js";
import { type DType, dtypeSize } from "../dtype.js";
import { KernelArgumentError } from "../errors.js";
import { nativeOps } from "../load-addon.js";
import type { Tensor } from "../tensor.js";

interface KVCacheOps {
  reshapeAndCache(kvCache: NativeTensor, k: NativeTensor, v: NativeTensor, slotMapping: NativeTensor): void;
  copyBlocks(dst: NativeTensor, src: NativeTensor, mapping: NativeTensor): void;
}

const native = () => nativeOps<KVCacheOps>();

/**
 * The paged KV cache of one layer is one tensor
 * `[numBlocks, 2, blockSize, numKvHeads, headSize]` in the cache dtype (float32, bfloat16 or
 * float16): keys at index 0 of dim 1, values at index 1. The token in slot
 * `blockId * blockSize + offsetInBlock` lives at `[blockId, ·, offsetInBlock]`. A block is one
 * contiguous page (keys, then values), so swapping a block is one copy. Block 0 is legal; the KV
 * cache manager keeps it as its null block and never puts data in it.
 */
export const KV_CACHE_LAYOUT = "[numBlocks, 2, blockSize, numKvHeads, headSize]";

/** The shape of one layer's KV cache (see KV_CACHE_LAYOUT). */
export function kvCacheShape(
  numBlocks: number,
  blockSize: number,
  numKvHeads: number,
  headSize: number,
): [number, number, number, number, number] {
  const dims = { numBlocks, blockSize, numKvHeads, headSize };
  for (const [name, value] of Object.entries(dims)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new KernelArgumentError(`kvCacheShape: ${name} must be a positive integer, got ${value}`);
    }
  }
  return [numBlocks, 2, blockSize, numKvHeads, headSize];
}

/** Bytes of one block of one layer (keys and values): vLLM's per-layer page size. */
export function kvCacheBlockBytes(
  blockSize: number,
  numKvHeads: number,
  headSize: number,
  dtype: DType,
): number {
  kvCacheShape(1, blockSize, numKvHeads, headSize);
  return 2 * blockSize * numKvHeads * headSize * dtypeSize(dtype);
}

/**
 * Writes each token's key and value into its slot of `kvCache`: k and v are
 * `[T, numKvHeads, headSize]` (or `[T, numKvHeads * headSize]`), `slotMapping` int32 `[T]`. Slot −1
 * skips the token (padding). float32 k/v are rounded into a bfloat16/float16 cache. On the CPU,
 * slots outside [−1, numBlocks · blockSize) raise before anything is written.
 */
export function reshapeAndCache(kvCache: Tensor, k: Tensor, v: Tensor, slotMapping: Tensor): Tensor {
  native().reshapeAndCache(kvCache.native, k.native, v.native, slotMapping.native);
  return kvCache;
}

/**
 * Copies whole blocks between two KV caches of the same block shape and dtype: for each row
 * `(srcBlock, dstBlock)` of `mapping` (int32 `[n, 2]`, host memory), block `srcBlock` of `src` goes
 * to block `dstBlock` of `dst`. The caches may have different block counts and live on different
 * devices (device cache ↔ host swap space). Rows are checked before any copy: blocks in range,
 * each destination written once, and (when dst and src are one tensor) no row reads a block
 * another row writes.
 */
export function copyBlocks(dst: Tensor, src: Tensor, mapping: Tensor): Tensor {
  native().copyBlocks(dst.native, src.native, mapping.native);
  return dst;
}
