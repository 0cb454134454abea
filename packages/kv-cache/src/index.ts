// @vllm-ts/kv-cache: the paged KV cache's bookkeeping (block pool, prefix cache, manager, swap
// space) and its tensors (KVCacheStorage). Pure logic except the storage, which uses the backend.
export {
  BLOCK_HASH_BYTES,
  type BlockExtraKeys,
  type BlockHash,
  BlockHasher,
  type HashableRequest,
  noneHash,
} from "./block-hash.js";
export { BlockPool } from "./block-pool.js";
export { FreeBlockQueue } from "./free-block-queue.js";
export { checkKVCacheIntegrity } from "./integrity.js";
export { KVCacheBlock } from "./kv-cache-block.js";
export { KVCacheManager, type KVCacheManagerOptions } from "./kv-cache-manager.js";
export {
  blockBytes,
  bytesForTokens,
  checkEnoughKvCacheMemory,
  estimateMaxModelLen,
  type KVCacheSpec,
  numBlocksForMemory,
  numHostBlocksForSwapSpace,
  pageSizeBytes,
} from "./kv-cache-spec.js";
export { KVCacheStorage, type KVCacheStorageOptions } from "./kv-cache-storage.js";
export type { PrefixCacheStats } from "./prefix-cache-stats.js";
export { findSlidingWindowHit, takeBlocksOutsideWindow } from "./sliding-window.js";
export { SwapSpace } from "./swap-space.js";
export {
  type AllocateOptions,
  type BlockIdPair,
  type ComputedBlocks,
  type KVCacheRequest,
  NO_BLOCKS,
  NO_HIT,
} from "./types.js";
