import { ValidationError, VllmTsError } from "@vllm-ts/config";
import type { BlockHash } from "./block-hash.js";
import { FreeBlockQueue } from "./free-block-queue.js";
import { KVCacheBlock } from "./kv-cache-block.js";

/**
 * All blocks of the device KV cache, their reference counts and the prefix cache.
 *
 * Block 0 is the null block (never handed out), so `numBlocks - 1` blocks are usable. A block
 * whose count drops to 0 goes to the back of the free queue but keeps its hash, so it can still
 * be hit until eviction reuses it (from the front of the queue). Invariant: a block has a hash
 * exactly when the hash map points to it.
 */
export class BlockPool {
  readonly blocks: readonly KVCacheBlock[];
  readonly nullBlock: KVCacheBlock;
  readonly freeBlockQueue: FreeBlockQueue;
  private readonly cachedBlocks = new Map<BlockHash, KVCacheBlock>();

  constructor(
    readonly numBlocks: number,
    readonly enableCaching = true,
  ) {
    if (!Number.isInteger(numBlocks) || numBlocks < 2) {
      throw new ValidationError(
        `The KV cache needs at least 2 blocks (block 0 is reserved), got ${numBlocks}. ` +
          "Give it more memory or a larger `numGpuBlocksOverride`.",
      );
    }
    const blocks = Array.from({ length: numBlocks }, (_, id) => new KVCacheBlock(id, id === 0));
    this.blocks = blocks;
    this.nullBlock = blocks[0]!;
    this.freeBlockQueue = new FreeBlockQueue(blocks.slice(1));
  }

  get numFreeBlocks(): number {
    return this.freeBlockQueue.numFreeBlocks;
  }

  /** Blocks that can be handed out at all (all but the null block). */
  get numUsableBlocks(): number {
    return this.numBlocks - 1;
  }

  /** The fraction of usable blocks held by requests (cached free blocks count as free). */
  get usage(): number {
    return 1 - this.numFreeBlocks / this.numUsableBlocks;
  }

  /** How many blocks the prefix cache can currently hit. */
  get numCachedBlocks(): number {
    return this.cachedBlocks.size;
  }

  getCachedBlock(blockHash: BlockHash): KVCacheBlock | undefined {
    return this.cachedBlocks.get(blockHash);
  }

  /**
   * Registers `blocks[from..to)` (now full) under `blockHashes[from..to)`. Null blocks and blocks
   * whose hash another block already holds stay unregistered.
   */
  cacheFullBlocks(
    blocks: readonly KVCacheBlock[],
    blockHashes: readonly BlockHash[],
    from: number,
    to: number,
  ): void {
    for (let i = from; i < to; i++) {
      const block = blocks[i]!;
      if (block.isNull || block.blockHash !== null) continue;
      const blockHash = blockHashes[i];
      if (blockHash === undefined) {
        throw new VllmTsError(`cacheFullBlocks: block ${i} of the request has no hash yet`);
      }
      if (this.cachedBlocks.has(blockHash)) continue;
      block.blockHash = blockHash;
      this.cachedBlocks.set(blockHash, block);
    }
  }

  /** `n` blocks from the front of the free queue, evicted from the prefix cache, ref count 1. */
  getNewBlocks(n: number): KVCacheBlock[] {
    if (n > this.numFreeBlocks) throw new ValidationError(`Cannot get ${n} free blocks from the pool`);
    const blocks = this.freeBlockQueue.popleftN(n);
    for (const block of blocks) {
      if (block.blockHash !== null) {
        this.cachedBlocks.delete(block.blockHash);
        block.blockHash = null;
      }
      block.refCount = 1;
    }
    return blocks;
  }

  /** Takes a reference on prefix-cache hits, pulling free ones out of the free queue. */
  touch(blocks: readonly KVCacheBlock[]): void {
    for (const block of blocks) {
      if (block.isNull) continue;
      if (block.refCount === 0) this.freeBlockQueue.remove(block);
      block.refCount++;
    }
  }

  /**
   * Drops one reference on each block, in order; blocks that reach 0 join the back of the free
   * queue in that order (callers pass a request's blocks tail first, so tails are evicted first).
   */
  freeBlocks(blocks: readonly KVCacheBlock[]): void {
    for (const block of blocks) {
      if (block.isNull) continue;
      if (block.refCount <= 0) {
        throw new VllmTsError(`freeBlocks: block ${block.blockId} is freed more often than it was allocated`);
      }
      block.refCount--;
      if (block.refCount === 0) this.freeBlockQueue.append(block);
    }
  }

  /**
   * Forgets every cached hash. Refused (false) while any block is held, since a held block may
   * be mid-computation and its hash would have to stay consistent.
   */
  resetPrefixCache(): boolean {
    if (this.numFreeBlocks !== this.numUsableBlocks) return false;
    this.cachedBlocks.clear();
    for (const block of this.blocks) block.blockHash = null;
    return true;
  }

  /** The hash → block entries (for integrity checks). */
  cachedEntries(): IterableIterator<[BlockHash, KVCacheBlock]> {
    return this.cachedBlocks.entries();
  }
}
