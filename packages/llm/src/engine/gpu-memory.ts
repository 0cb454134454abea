import { OutOfMemoryError, ValidationError } from "@vllm-ts/config";
import { type Device, deviceMemoryInfo, emptyCache } from "@vllm-ts/cuda-kernels";
import { checkEnoughKvCacheMemory, type KVCacheSpec, numBlocksForMemory } from "@vllm-ts/kv-cache";

const GiB = 2 ** 30;
const gib = (bytes: number) => (bytes / GiB).toFixed(2);

/**
 * vLLM's request_memory: the engine may use `total × gpuMemoryUtilization` of the device; fails
 * with vLLM's message when other processes already hold more than the rest.
 */
export function requestedDeviceMemory(device: Device, utilization: number): number {
  if (!(utilization > 0 && utilization <= 1)) {
    throw new ValidationError(`gpuMemoryUtilization must be in (0, 1], got ${utilization}`);
  }
  const { freeBytes, totalBytes } = deviceMemoryInfo(device);
  const requested = Math.ceil(totalBytes * utilization);
  if (freeBytes < requested) {
    throw new OutOfMemoryError(
      `Free memory on device ${device} (${gib(freeBytes)}/${gib(totalBytes)} GiB) on startup is less than desired GPU memory utilization (${utilization}, ${gib(requested)} GiB). Decrease GPU memory utilization or reduce GPU memory used by other processes.`,
    );
  }
  return requested;
}

export interface KvBudgetInputs {
  readonly spec: KVCacheSpec;
  /** total × gpuMemoryUtilization, from requestedDeviceMemory before anything was loaded. */
  readonly requestedBytes: number;
  /**
   * Device memory in use once the model is loaded and profiled (weights, the activation arena at
   * its profiled peak, buffers, workspaces, the CUDA context), with the allocator's cache emptied.
   */
  readonly usedBytes: number;
  /** Memory CUDA graphs will take (their activations are the arena's, so only their own nodes). */
  readonly cudaGraphBytes: number;
  readonly maxModelLen: number;
  /** kvCacheMemoryBytes: a fixed budget that replaces the computed one (vLLM). */
  readonly fixedBytes: number | null;
  readonly numGpuBlocksOverride: number | null;
}

/**
 * vLLM's determine_available_memory + get_kv_cache_configs on CUDA: the KV cache gets what is left
 * of `total × utilization` after the engine's own memory, the profiled activation peak and the
 * CUDA graphs; one maxModelLen request must fit (vLLM's error otherwise). Returns device blocks
 * (the null block included) and the bytes that sized them.
 */
export function cudaKvCacheBlocks(inputs: KvBudgetInputs): { numBlocks: number; availableBytes: number } {
  const available = inputs.fixedBytes ?? inputs.requestedBytes - inputs.usedBytes - inputs.cudaGraphBytes;
  if (inputs.numGpuBlocksOverride === null)
    checkEnoughKvCacheMemory(inputs.spec, available, inputs.maxModelLen);
  return {
    numBlocks: numBlocksForMemory(inputs.spec, available, inputs.numGpuBlocksOverride),
    availableBytes: available,
  };
}

/** Device memory in use by everything (this process's context and pools included), after the
 * caching allocator returned what it only kept for reuse. */
export function usedDeviceBytes(device: Device): number {
  emptyCache(device);
  const { freeBytes, totalBytes } = deviceMemoryInfo(device);
  return totalBytes - freeBytes;
}
