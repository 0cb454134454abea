import { freemem } from "node:os";
import type { CacheConfig, SchedulerConfig } from "@vllm-ts/config";
import {
  bytesForTokens,
  checkEnoughKvCacheMemory,
  type KVCacheSpec,
  numBlocksForMemory,
} from "@vllm-ts/kv-cache";

/** The CPU backend's default KV-cache budget: a quarter of the free host memory… */
const CPU_FREE_MEMORY_SHARE = 0.25;

/**
 * Device blocks for the KV cache on the CPU backend: `kvCacheMemoryBytes` when given; otherwise a
 * quarter of free host memory, but no more than every running request at full length needs
 * (maxNumSeqs × maxModelLen tokens) — the rest of the host is the application's. Fails with vLLM's
 * message when one maxModelLen request cannot fit. `numGpuBlocksOverride` wins (tests use it to
 * force preemption). Block 0 (the null block) is included in the count.
 */
export function cpuKvCacheBlocks(spec: KVCacheSpec, cache: CacheConfig, scheduler: SchedulerConfig): number {
  const ceiling =
    bytesForTokens(spec, scheduler.maxNumSeqs * scheduler.maxModelLen) + bytesForTokens(spec, 1);
  const budget = cache.kvCacheMemoryBytes ?? Math.min(Math.floor(freemem() * CPU_FREE_MEMORY_SHARE), ceiling);
  if (cache.numGpuBlocksOverride === null) checkEnoughKvCacheMemory(spec, budget, scheduler.maxModelLen);
  return numBlocksForMemory(spec, budget, cache.numGpuBlocksOverride);
}

/**
 * Blocks past what every running request at full length could hold (twice over, so finished
 * prefixes stay cached) are never used; a small model on a large GPU would otherwise get tens of
 * millions of them, each a block-pool entry in JavaScript. An explicit numGpuBlocksOverride wins.
 */
export function capKvCacheBlocks(numBlocks: number, cache: CacheConfig, scheduler: SchedulerConfig): number {
  if (cache.numGpuBlocksOverride !== null) return numBlocks;
  const perRequest = Math.ceil(scheduler.maxModelLen / cache.blockSize);
  return Math.min(numBlocks, 2 * scheduler.maxNumSeqs * perRequest + 1);
}
