import { ValidationError, VllmTsError } from "@vllm-ts/config";
import type { KVCacheBlock } from "./kv-cache-block.js";
import type { BlockIdPair } from "./types.js";

/**
 * The host-side block pool that preempted requests are swapped out to (`swapSpace` GiB), with
 * each swapped request's host table. Plain allocation, no caching: ids 0..numBlocks-1 index the
 * host cache tensors of `KVCacheStorage`.
 */
export class SwapSpace {
  private readonly freeIds: number[];
  private readonly held: Uint8Array;
  /** Host block id per logical block of each swapped-out request (-1: the null block). */
  private readonly tables = new Map<string, number[]>();

  constructor(readonly numBlocks: number) {
    if (!Number.isInteger(numBlocks) || numBlocks < 0) {
      throw new ValidationError(`The swap space must hold a whole number of blocks ≥ 0, got ${numBlocks}`);
    }
    // Popped from the end, so low ids are handed out first.
    this.freeIds = Array.from({ length: numBlocks }, (_, i) => numBlocks - 1 - i);
    this.held = new Uint8Array(numBlocks);
  }

  get numFreeBlocks(): number {
    return this.freeIds.length;
  }

  get usage(): number {
    return this.numBlocks === 0 ? 0 : 1 - this.freeIds.length / this.numBlocks;
  }

  /** Whether `blocks` (null blocks need no room) fit now. */
  canStore(blocks: readonly KVCacheBlock[]): boolean {
    let needed = 0;
    for (const block of blocks) if (!block.isNull) needed++;
    return this.numBlocks > 0 && needed <= this.freeIds.length;
  }

  /**
   * Reserves host blocks for a request's device `blocks` and records its table. Returns the
   * `[device, host]` copies to run, or null (nothing changes) without room.
   */
  store(requestId: string, blocks: readonly KVCacheBlock[]): BlockIdPair[] | null {
    if (!this.canStore(blocks)) return null;
    if (this.tables.has(requestId))
      throw new VllmTsError(`SwapSpace: request ${requestId} is already swapped out`);
    const table: number[] = [];
    const pairs: BlockIdPair[] = [];
    for (const block of blocks) {
      if (block.isNull) {
        table.push(-1);
        continue;
      }
      const hostId = this.freeIds.pop()!;
      this.held[hostId] = 1;
      table.push(hostId);
      pairs.push([block.blockId, hostId]);
    }
    this.tables.set(requestId, table);
    return pairs;
  }

  /** The request's host table (-1: null block), if it is swapped out. */
  table(requestId: string): readonly number[] | undefined {
    return this.tables.get(requestId);
  }

  /** Frees the request's host blocks (swapped back in, or finished) and forgets its table. */
  release(requestId: string): void {
    const table = this.tables.get(requestId);
    if (table === undefined) return;
    for (const hostId of table) {
      if (hostId < 0) continue;
      if (this.held[hostId] !== 1) throw new VllmTsError(`SwapSpace: host block ${hostId} is not allocated`);
      this.held[hostId] = 0;
      this.freeIds.push(hostId);
    }
    this.tables.delete(requestId);
  }

  /** Swapped-out requests and their host tables. */
  entries(): IterableIterator<[string, readonly number[]]> {
    return this.tables.entries();
  }

  isHeld(hostId: number): boolean {
    return this.held[hostId] === 1;
  }
}
