import { OutOfMemoryError, ValidationError } from "@vllm-ts/config";
import { type DType, dtypeSize } from "@vllm-ts/cuda-kernels";

/** The shape of one model's KV cache: every layer alike (full attention, same heads). */
export interface KVCacheSpec {
  readonly numLayers: number;
  readonly blockSize: number;
  readonly numKvHeads: number;
  readonly headSize: number;
  readonly dtype: DType;
}

const GiB = 2 ** 30;
const MORE_DETAILS = "See https://docs.vllm.ai/en/latest/configuration/conserving_memory/ for more details.";

/** Bytes of one block in one layer: K and V, `blockSize` tokens, every KV head. */
export function pageSizeBytes(spec: KVCacheSpec): number {
  return 2 * spec.blockSize * spec.numKvHeads * spec.headSize * dtypeSize(spec.dtype);
}

/** Bytes of one block across all layers. */
export function blockBytes(spec: KVCacheSpec): number {
  return pageSizeBytes(spec) * spec.numLayers;
}

/** Bytes one request of `numTokens` tokens needs (whole blocks). */
export function bytesForTokens(spec: KVCacheSpec, numTokens: number): number {
  return Math.ceil(numTokens / spec.blockSize) * blockBytes(spec);
}

/** Device blocks that fit in `availableBytes` (vLLM's get_num_blocks), or the override. */
export function numBlocksForMemory(
  spec: KVCacheSpec,
  availableBytes: number,
  override?: number | null,
): number {
  if (override != null) return override;
  return Math.max(0, Math.floor(availableBytes / pageSizeBytes(spec) / spec.numLayers));
}

/** Host blocks in a swap space of `swapSpaceGiB` GiB. */
export function numHostBlocksForSwapSpace(spec: KVCacheSpec, swapSpaceGiB: number): number {
  if (!(swapSpaceGiB >= 0))
    throw new ValidationError(`swapSpace must be a number of GiB ≥ 0, got ${swapSpaceGiB}`);
  return Math.floor((swapSpaceGiB * GiB) / blockBytes(spec));
}

/** The longest request whose KV fits in `availableBytes` (0 if not even one token does). */
export function estimateMaxModelLen(spec: KVCacheSpec, availableBytes: number, maxModelLen: number): number {
  if (bytesForTokens(spec, 1) > availableBytes) return 0;
  let low = 1;
  let high = maxModelLen;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (bytesForTokens(spec, mid) <= availableBytes) low = mid;
    else high = mid - 1;
  }
  return low;
}

/**
 * Fails, with vLLM's messages, when the KV cache memory cannot hold one request of
 * `maxModelLen` tokens.
 */
export function checkEnoughKvCacheMemory(
  spec: KVCacheSpec,
  availableBytes: number,
  maxModelLen: number,
): void {
  if (availableBytes <= 0) {
    throw new OutOfMemoryError(
      "No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when initializing the " +
        "engine (this flag also controls CPU memory reservation on the CPU backend, despite its name). " +
        MORE_DETAILS,
    );
  }
  const needed = bytesForTokens(spec, maxModelLen);
  if (needed <= availableBytes) return;
  const estimated = estimateMaxModelLen(spec, availableBytes, maxModelLen);
  const estimate =
    estimated > 0
      ? `Based on the available memory, the estimated maximum model length is ${estimated}. `
      : "";
  throw new OutOfMemoryError(
    `To serve at least one request with the model's max seq len (${maxModelLen}), ` +
      `(${(needed / GiB).toFixed(2)} GiB KV cache is needed, which is larger than the available KV cache memory ` +
      `(${(availableBytes / GiB).toFixed(2)} GiB). ${estimate}` +
      "Try increasing `gpu_memory_utilization` (which also controls CPU memory on the CPU backend) or decreasing " +
      `\`max_model_len\` when initializing the engine. ${MORE_DETAILS}`,
  );
}
