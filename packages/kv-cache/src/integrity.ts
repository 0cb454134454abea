import { VllmTsError } from "@vllm-ts/config";
import type { KVCacheManager } from "./kv-cache-manager.js";

/**
 * Audits a manager's bookkeeping (O(blocks)); throws on the first inconsistency. For tests and
 * debugging: every reference is held by exactly one request's table, free blocks are exactly the
 * unreferenced ones, free + held = usable, the hash map and block hashes agree, and every host
 * block is either free or in exactly one swapped-out request's table.
 */
export function checkKVCacheIntegrity(manager: KVCacheManager): void {
  const fail = (message: string): never => {
    throw new VllmTsError(`KV cache integrity: ${message}`);
  };
  const pool = manager.pool;
  const expectedRefs = new Int32Array(pool.numBlocks);
  for (const requestId of manager.requestIds()) {
    for (const block of manager.getBlocks(requestId)) if (!block.isNull) expectedRefs[block.blockId]!++;
  }
  const free = pool.freeBlockQueue.getAllFreeBlocks();
  if (free.length !== pool.numFreeBlocks)
    fail(`the free queue links ${free.length} blocks but counts ${pool.numFreeBlocks}`);
  const inQueue = new Uint8Array(pool.numBlocks);
  for (const block of free) {
    if (block.isNull) fail("the null block is in the free queue");
    if (inQueue[block.blockId]) fail(`block ${block.blockId} is twice in the free queue`);
    inQueue[block.blockId] = 1;
  }
  let held = 0;
  for (const block of pool.blocks) {
    if (block.isNull) {
      if (block.refCount !== 0 || block.blockHash !== null) fail("the null block was allocated or cached");
      continue;
    }
    if (block.refCount < 0) fail(`block ${block.blockId} has ref count ${block.refCount}`);
    if (block.refCount !== expectedRefs[block.blockId]) {
      fail(
        `block ${block.blockId} has ref count ${block.refCount} but ${expectedRefs[block.blockId]} holders`,
      );
    }
    if ((block.refCount === 0) !== (inQueue[block.blockId] === 1)) {
      fail(
        `block ${block.blockId} (ref count ${block.refCount}) is ${inQueue[block.blockId] ? "" : "not "}free`,
      );
    }
    if (block.refCount > 0) held++;
    if (block.blockHash !== null && pool.getCachedBlock(block.blockHash) !== block) {
      fail(`block ${block.blockId} has a hash the prefix cache does not map to it`);
    }
  }
  if (held + pool.numFreeBlocks !== pool.numUsableBlocks) {
    fail(`${held} held + ${pool.numFreeBlocks} free blocks != ${pool.numUsableBlocks} usable`);
  }
  for (const [blockHash, block] of pool.cachedEntries()) {
    if (block.blockHash !== blockHash)
      fail(`the prefix cache maps a hash to block ${block.blockId}, which has another`);
  }
  const swap = manager.swapSpace;
  const hostSeen = new Uint8Array(swap.numBlocks);
  let hostHeld = 0;
  for (const [requestId, table] of swap.entries()) {
    for (const hostId of table) {
      if (hostId < 0) continue;
      if (hostSeen[hostId] || !swap.isHeld(hostId))
        fail(`host block ${hostId} of ${requestId} is shared or free`);
      hostSeen[hostId] = 1;
      hostHeld++;
    }
  }
  if (hostHeld + swap.numFreeBlocks !== swap.numBlocks) {
    fail(`${hostHeld} held + ${swap.numFreeBlocks} free host blocks != ${swap.numBlocks}`);
  }
}
