import type { BlockHash } from "./block-hash.js";

/**
 * One block of the paged KV cache: `blockSize` token slots in every layer's cache tensor.
 * The fields are the pool's bookkeeping; only the pool and its free queue change them.
 */
export class KVCacheBlock {
  /** How many requests hold the block; 0 means it is in the free queue (or is the null block). */
  refCount = 0;
  /** Set while the block is full and registered in the prefix cache; reset when it is reused. */
  blockHash: BlockHash | null = null;
  /** Links of the intrusive free queue (null while the block is held). */
  prevFree: KVCacheBlock | null = null;
  nextFree: KVCacheBlock | null = null;

  constructor(
    readonly blockId: number,
    /** Block 0: a placeholder in block tables for slots nobody reads (left a sliding window). */
    readonly isNull = false,
  ) {}
}
