import { ValidationError, VllmTsError } from "@vllm-ts/config";
import { BlockHasher } from "./block-hash.js";
import { BlockPool } from "./block-pool.js";
import type { KVCacheBlock } from "./kv-cache-block.js";
import { PrefixCacheCounter, type PrefixCacheStats } from "./prefix-cache-stats.js";
import { findSlidingWindowHit, takeBlocksOutsideWindow } from "./sliding-window.js";
import { SwapSpace } from "./swap-space.js";
import {
  type AllocateOptions,
  type BlockIdPair,
  type ComputedBlocks,
  type KVCacheRequest,
  NO_BLOCKS,
  NO_HIT,
} from "./types.js";

export interface KVCacheManagerOptions {
  /** Device blocks, including the reserved null block 0. */
  numBlocks: number;
  /** Tokens per block. */
  blockSize: number;
  /** Share full blocks between requests with the same prefix (default true). */
  enablePrefixCaching?: boolean;
  /** Slots are never reserved past this many tokens (default: unbounded). */
  maxModelLen?: number;
  /** Every layer attends to the last `slidingWindow` positions only: older blocks are released. */
  slidingWindow?: number | null;
  /** Host blocks for swapping preempted requests out (default 0: preemption recomputes). */
  numHostBlocks?: number;
  /** Seed of the hash chains' root (default: random per process). */
  hashSeed?: string | null;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new ValidationError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/**
 * Which device blocks each request holds: prefix-cache lookup, slot allocation as tokens are
 * scheduled, freeing, and swapping whole requests to host blocks and back. Query/command pairs:
 * `getComputedBlocks` then `allocateSlots` (which has no effect when it returns null),
 * `canSwapOut` then `swapOut`.
 */
export class KVCacheManager {
  readonly blockSize: number;
  readonly maxModelLen: number;
  readonly slidingWindow: number | null;
  readonly pool: BlockPool;
  readonly swapSpace: SwapSpace;
  /** Null when prefix caching is off (then requests need no block hashes). */
  readonly blockHasher: BlockHasher | null;
  private readonly requestBlocks = new Map<string, KVCacheBlock[]>();
  private readonly numCachedBlocks = new Map<string, number>();
  private readonly hitCounter = new PrefixCacheCounter();

  constructor(options: KVCacheManagerOptions) {
    this.blockSize = positiveInteger("blockSize", options.blockSize);
    this.maxModelLen = options.maxModelLen ?? Number.POSITIVE_INFINITY;
    this.slidingWindow =
      options.slidingWindow == null ? null : positiveInteger("slidingWindow", options.slidingWindow);
    const caching = options.enablePrefixCaching ?? true;
    this.pool = new BlockPool(options.numBlocks, caching);
    this.swapSpace = new SwapSpace(options.numHostBlocks ?? 0);
    this.blockHasher = caching ? new BlockHasher(this.blockSize, options.hashSeed) : null;
  }

  get enablePrefixCaching(): boolean {
    return this.pool.enableCaching;
  }

  /** Fraction of usable device blocks held by requests. */
  get usage(): number {
    return this.pool.usage;
  }

  get numFreeBlocks(): number {
    return this.pool.numFreeBlocks;
  }

  get prefixCacheStats(): PrefixCacheStats {
    return this.hitCounter.snapshot();
  }

  /**
   * The longest cached prefix of full blocks, never covering the last token (its logits must be
   * computed). Takes no reference: pass the result to `allocateSlots`.
   */
  getComputedBlocks(request: KVCacheRequest): ComputedBlocks {
    if (!this.pool.enableCaching || request.skipReadingPrefixCache) return NO_HIT;
    const maxLength = request.numTokens - 1;
    let blocks: KVCacheBlock[];
    if (this.slidingWindow !== null) {
      blocks = findSlidingWindowHit(
        this.pool,
        request.blockHashes,
        maxLength,
        this.slidingWindow,
        this.blockSize,
      );
    } else {
      blocks = [];
      const maxBlocks = Math.min(Math.floor(maxLength / this.blockSize), request.blockHashes.length);
      for (let i = 0; i < maxBlocks; i++) {
        const block = this.pool.getCachedBlock(request.blockHashes[i]!);
        if (block === undefined) break;
        blocks.push(block);
      }
    }
    const numComputedTokens = blocks.length * this.blockSize;
    this.hitCounter.record(request.numTokens, numComputedTokens);
    return blocks.length === 0 ? NO_HIT : { blocks, numComputedTokens };
  }

  /**
   * Makes room for `numNewTokens` more tokens of `request` (after `computed`, a prefix hit of a
   * request that holds no blocks yet) and registers blocks that become full in the prefix cache.
   * Returns the newly allocated blocks, or null, touching nothing, when they do not fit.
   * (With a sliding window, blocks that left the window are released first either way.)
   */
  allocateSlots(
    request: KVCacheRequest,
    numNewTokens: number,
    computed: ComputedBlocks = NO_HIT,
    options: AllocateOptions = {},
  ): readonly KVCacheBlock[] | null {
    if (numNewTokens <= 0 && computed.numComputedTokens === 0) {
      throw new ValidationError("numNewTokens must be greater than 0 when there are no computed tokens");
    }
    const id = request.requestId;
    const blocks = this.requestBlocks.get(id) ?? [];
    if (blocks.length > 0 && computed.blocks.length > 0) {
      throw new VllmTsError(`allocateSlots: request ${id} already holds blocks and cannot take a prefix hit`);
    }
    if (this.slidingWindow !== null && blocks.length > 0) {
      const outside = takeBlocksOutsideWindow(
        blocks,
        request.numComputedTokens,
        this.slidingWindow,
        this.blockSize,
        this.pool.nullBlock,
      );
      this.pool.freeBlocks(outside);
    }
    const numComputedTokens = request.numComputedTokens + computed.numComputedTokens;
    const lookahead = options.numLookaheadTokens ?? 0;
    const numHeld = blocks.length + computed.blocks.length;
    let numEvictableHits = 0;
    for (const block of computed.blocks) if (!block.isNull && block.refCount === 0) numEvictableHits++;
    const free = this.pool.numFreeBlocks;
    if (options.fullSequenceMustFit) {
      const numFullSequenceBlocks = Math.max(0, this.blocksFor(request.numTokens + lookahead) - numHeld);
      if (numFullSequenceBlocks + numEvictableHits > free) return null;
    }
    const numNewBlocks = Math.max(0, this.blocksFor(numComputedTokens + numNewTokens + lookahead) - numHeld);
    if (numNewBlocks + numEvictableHits > free) return null;

    if (computed.blocks.length > 0) {
      this.pool.touch(computed.blocks);
      for (const block of computed.blocks) blocks.push(block);
      this.numCachedBlocks.set(id, computed.blocks.length);
    }
    if (!this.requestBlocks.has(id)) this.requestBlocks.set(id, blocks);
    const newBlocks = numNewBlocks === 0 ? NO_BLOCKS : this.pool.getNewBlocks(numNewBlocks);
    for (const block of newBlocks) blocks.push(block);
    if (this.pool.enableCaching)
      this.cacheBlocks(request, blocks, Math.min(numComputedTokens + numNewTokens, request.numTokens));
    return newBlocks;
  }

  /** Releases the request's device blocks (tail first, so tails are evicted first) and host blocks. */
  free(request: { readonly requestId: string }): void {
    const id = request.requestId;
    const blocks = this.requestBlocks.get(id);
    if (blocks !== undefined) {
      this.pool.freeBlocks(blocks.slice().reverse());
      this.requestBlocks.delete(id);
      this.numCachedBlocks.delete(id);
    }
    this.swapSpace.release(id);
  }

  /** The request's device block table (block ids in token order; 0 marks a released block). */
  getBlockIds(requestId: string): number[] {
    return (this.requestBlocks.get(requestId) ?? NO_BLOCKS).map((block) => block.blockId);
  }

  /** The request's blocks, for read-only inspection. */
  getBlocks(requestId: string): readonly KVCacheBlock[] {
    return this.requestBlocks.get(requestId) ?? NO_BLOCKS;
  }

  /** Ids of the requests holding device blocks. */
  requestIds(): IterableIterator<string> {
    return this.requestBlocks.keys();
  }

  /** Drops every cached hash; refused (false) while any request holds blocks. */
  resetPrefixCache(): boolean {
    const done = this.pool.resetPrefixCache();
    if (done) this.hitCounter.reset();
    return done;
  }

  /** Whether the swap space can take the blocks holding the request's computed tokens. */
  canSwapOut(request: KVCacheRequest): boolean {
    return this.swapSpace.canStore(this.dataBlocks(request));
  }

  /**
   * Moves the request's computed KV to host blocks: returns the `[device, host]` copies to run
   * before the next forward and frees the device blocks. Null (nothing changes) without room.
   */
  swapOut(request: KVCacheRequest): BlockIdPair[] | null {
    const pairs = this.swapSpace.store(request.requestId, this.dataBlocks(request));
    if (pairs === null) return null;
    const blocks = this.requestBlocks.get(request.requestId);
    if (blocks !== undefined) this.pool.freeBlocks(blocks.slice().reverse());
    this.requestBlocks.delete(request.requestId);
    this.numCachedBlocks.delete(request.requestId);
    return pairs;
  }

  /** Device blocks `swapIn(request, numNewTokens)` would take. */
  blocksNeededToSwapIn(request: KVCacheRequest, numNewTokens: number): number {
    const table = this.swapSpace.table(request.requestId);
    if (table === undefined) throw new VllmTsError(`swapIn: request ${request.requestId} is not swapped out`);
    let numHostBlocks = 0;
    for (const hostId of table) if (hostId >= 0) numHostBlocks++;
    const numExtra = Math.max(0, this.blocksFor(request.numComputedTokens + numNewTokens) - table.length);
    return numHostBlocks + numExtra;
  }

  /**
   * Brings a swapped-out request back with room for `numNewTokens` more tokens: returns the
   * `[host, device]` copies to run before the next forward, or null (nothing changes) when the
   * device blocks do not fit.
   */
  swapIn(request: KVCacheRequest, numNewTokens: number): BlockIdPair[] | null {
    if (this.blocksNeededToSwapIn(request, numNewTokens) > this.pool.numFreeBlocks) return null;
    const id = request.requestId;
    const table = this.swapSpace.table(id)!;
    const blocks: KVCacheBlock[] = [];
    const pairs: BlockIdPair[] = [];
    for (const hostId of table) {
      const block = hostId < 0 ? this.pool.nullBlock : this.pool.getNewBlocks(1)[0]!;
      blocks.push(block);
      if (hostId >= 0) pairs.push([hostId, block.blockId]);
    }
    this.swapSpace.release(id);
    this.requestBlocks.set(id, blocks);
    this.numCachedBlocks.set(id, 0);
    this.allocateSlots(request, numNewTokens);
    return pairs;
  }

  /** Whether the request is swapped out to host blocks. */
  isSwappedOut(requestId: string): boolean {
    return this.swapSpace.table(requestId) !== undefined;
  }

  private blocksFor(numTokens: number): number {
    return Math.ceil(Math.min(numTokens, this.maxModelLen) / this.blockSize);
  }

  /** The blocks holding the request's computed tokens (what a swap must copy). */
  private dataBlocks(request: KVCacheRequest): readonly KVCacheBlock[] {
    const blocks = this.requestBlocks.get(request.requestId) ?? NO_BLOCKS;
    return blocks.slice(0, Math.ceil(request.numComputedTokens / this.blockSize));
  }

  private cacheBlocks(request: KVCacheRequest, blocks: readonly KVCacheBlock[], numTokens: number): void {
    const numFull = Math.floor(numTokens / this.blockSize);
    const numCached = this.numCachedBlocks.get(request.requestId) ?? 0;
    if (numFull <= numCached) return;
    this.pool.cacheFullBlocks(blocks, request.blockHashes, numCached, numFull);
    this.numCachedBlocks.set(request.requestId, numFull);
  }
}
