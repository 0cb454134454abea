import { ValidationError, VllmTsError } from "@vllm-ts/config";
import { KVCacheBlock } from "./kv-cache-block.js";

/**
 * The free blocks as an intrusive doubly-linked list, least recently freed first: eviction
 * takes from the front, freeing appends at the back, and a cache hit on a free block removes it
 * from the middle in O(1). No operation allocates; the links live on the blocks themselves.
 */
export class FreeBlockQueue {
  private readonly head = new KVCacheBlock(-1);
  private readonly tail = new KVCacheBlock(-1);
  private count = 0;

  /** The queue starts in the given order (the pool passes blocks by id). */
  constructor(blocks: readonly KVCacheBlock[] = []) {
    this.head.nextFree = this.tail;
    this.tail.prevFree = this.head;
    this.appendN(blocks);
  }

  get numFreeBlocks(): number {
    return this.count;
  }

  /** The first (least recently freed) block. */
  popleft(): KVCacheBlock {
    const first = this.head.nextFree!;
    if (first === this.tail) throw new ValidationError("No free blocks available");
    this.unlink(first);
    return first;
  }

  /** The first `n` blocks, in queue order. */
  popleftN(n: number): KVCacheBlock[] {
    if (n > this.count) throw new ValidationError(`Cannot get ${n} free blocks from the pool`);
    const out = new Array<KVCacheBlock>(n);
    for (let i = 0; i < n; i++) out[i] = this.popleft();
    return out;
  }

  /** Takes a block out of the middle of the queue (a cache hit on a free block). */
  remove(block: KVCacheBlock): void {
    if (block.prevFree === null || block.nextFree === null) {
      throw new VllmTsError(`remove: block ${block.blockId} is not in the free queue`);
    }
    this.unlink(block);
  }

  append(block: KVCacheBlock): void {
    if (block.prevFree !== null || block.nextFree !== null) {
      throw new VllmTsError(`append: block ${block.blockId} is already in the free queue`);
    }
    const last = this.tail.prevFree!;
    last.nextFree = block;
    block.prevFree = last;
    block.nextFree = this.tail;
    this.tail.prevFree = block;
    this.count++;
  }

  appendN(blocks: readonly KVCacheBlock[]): void {
    for (const block of blocks) this.append(block);
  }

  /** The free blocks front to back (for tests and integrity checks; O(n)). */
  getAllFreeBlocks(): KVCacheBlock[] {
    const out: KVCacheBlock[] = [];
    for (let block = this.head.nextFree!; block !== this.tail; block = block.nextFree!) out.push(block);
    return out;
  }

  /** Whether `block` is linked into this queue. */
  contains(block: KVCacheBlock): boolean {
    return block.prevFree !== null && block.nextFree !== null;
  }

  private unlink(block: KVCacheBlock): void {
    block.prevFree!.nextFree = block.nextFree;
    block.nextFree!.prevFree = block.prevFree;
    block.prevFree = null;
    block.nextFree = null;
    this.count--;
  }
}
