import type { BlockHash } from "./block-hash.js";
import type { BlockPool } from "./block-pool.js";
import type { KVCacheBlock } from "./kv-cache-block.js";

/**
 * Sliding-window attention only reads the last `window` positions, so blocks wholly before
 * `numComputedTokens - window + 1` are never read again. They are swapped for the null block in
 * the request's table and returned nearest-the-window first, the order to free them in (as vLLM).
 */
export function takeBlocksOutsideWindow(
  blocks: KVCacheBlock[],
  numComputedTokens: number,
  window: number,
  blockSize: number,
  nullBlock: KVCacheBlock,
): KVCacheBlock[] {
  const firstUsefulToken = numComputedTokens - window + 1;
  const firstUsefulBlock = Math.min(Math.floor(firstUsefulToken / blockSize), blocks.length);
  const removed: KVCacheBlock[] = [];
  // Walk back from the window's edge: everything before an already-null block was taken earlier.
  for (let i = firstUsefulBlock - 1; i >= 0; i--) {
    const block = blocks[i]!;
    if (block.isNull) break;
    removed.push(block);
    blocks[i] = nullBlock;
  }
  return removed;
}

/**
 * The longest prefix a sliding-window request can reuse: the rightmost run of cached blocks long
 * enough to cover a window, with null blocks before it (those positions are never read). When no
 * run is long enough, only a run starting at block 0 counts.
 */
export function findSlidingWindowHit(
  pool: BlockPool,
  blockHashes: readonly BlockHash[],
  maxLength: number,
  window: number,
  blockSize: number,
): KVCacheBlock[] {
  const maxBlocks = Math.min(Math.floor(maxLength / blockSize), blockHashes.length);
  const neededRun = Math.max(1, Math.ceil((window - 1) / blockSize));
  const hit = new Array<KVCacheBlock>(maxBlocks).fill(pool.nullBlock);
  let run = 0;
  for (let i = maxBlocks - 1; i >= 0; i--) {
    const block = pool.getCachedBlock(blockHashes[i]!);
    if (block === undefined) {
      run = 0;
      continue;
    }
    hit[i] = block;
    run++;
    if (run >= neededRun) return hit.slice(0, i + run);
  }
  return hit.slice(0, run);
}
