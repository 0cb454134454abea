import { describe, expect, it } from "vitest";
import { FreeBlockQueue } from "./free-block-queue.js";
import { KVCacheBlock } from "./kv-cache-block.js";

const makeBlocks = (n: number) => Array.from({ length: n }, (_, i) => new KVCacheBlock(i));
const ids = (queue: FreeBlockQueue) => queue.getAllFreeBlocks().map((b) => b.blockId);

describe("FreeBlockQueue (vLLM test_kv_cache_utils)", () => {
  it("starts in the given order and links one block", () => {
    const [block] = makeBlocks(1);
    const queue = new FreeBlockQueue([block!]);
    expect(queue.numFreeBlocks).toBe(1);
    expect(queue.getAllFreeBlocks()).toEqual([block]);
    expect(queue.contains(block!)).toBe(true);
  });

  it("popleft, remove, append and empty popleft", () => {
    const blocks = makeBlocks(5);
    const queue = new FreeBlockQueue(blocks);
    expect(queue.numFreeBlocks).toBe(5);
    expect(queue.popleft().blockId).toBe(0);
    expect(queue.numFreeBlocks).toBe(4);
    expect(ids(queue)).toEqual([1, 2, 3, 4]);

    queue.remove(blocks[2]!);
    expect(queue.numFreeBlocks).toBe(3);
    expect(blocks[1]!.nextFree).toBe(blocks[3]);
    expect(blocks[2]!.prevFree).toBeNull();
    expect(ids(queue)).toEqual([1, 3, 4]);

    queue.append(blocks[2]!);
    expect(queue.numFreeBlocks).toBe(4);
    expect(blocks[2]!.prevFree).toBe(blocks[4]);
    expect(ids(queue)).toEqual([1, 3, 4, 2]);

    for (let i = 0; i < 4; i++) queue.popleft();
    expect(queue.numFreeBlocks).toBe(0);
    expect(() => queue.popleft()).toThrow("No free blocks available");
  });

  it("appendN keeps order, including onto an empty queue", () => {
    const blocks = makeBlocks(6);
    const queue = new FreeBlockQueue([]);
    queue.appendN([]);
    expect(queue.numFreeBlocks).toBe(0);
    queue.appendN(blocks.slice(0, 1));
    expect(ids(queue)).toEqual([0]);
    queue.appendN(blocks.slice(1, 5));
    expect(ids(queue)).toEqual([0, 1, 2, 3, 4]);
    queue.popleft();
    queue.append(blocks[5]!);
    expect(ids(queue)).toEqual([1, 2, 3, 4, 5]);
    expect(queue.numFreeBlocks).toBe(5);
  });

  it("popleftN takes from the front in queue order", () => {
    const b = makeBlocks(6);
    const queue = new FreeBlockQueue([b[1]!, b[3]!, b[5]!, b[4]!, b[0]!, b[2]!]);
    expect(queue.popleftN(0)).toEqual([]);
    expect(queue.popleftN(1).map((x) => x.blockId)).toEqual([1]);
    expect(queue.popleftN(2).map((x) => x.blockId)).toEqual([3, 5]);
    expect(queue.popleftN(3).map((x) => x.blockId)).toEqual([4, 0, 2]);
    expect(queue.numFreeBlocks).toBe(0);
    expect(() => queue.popleftN(1)).toThrow("Cannot get 1 free blocks from the pool");
  });

  it("refuses to unlink a block that is not queued, or to queue one twice", () => {
    const blocks = makeBlocks(2);
    const queue = new FreeBlockQueue([blocks[0]!]);
    expect(() => queue.remove(blocks[1]!)).toThrow(/block 1 is not in the free queue/);
    expect(() => queue.append(blocks[0]!)).toThrow(/block 0 is already in the free queue/);
    expect(queue.numFreeBlocks).toBe(1);
  });
});
