import { describe, expect, it } from "vitest";
import { Arena, OutOfMemoryError, ops } from "../src/index.js";

describe("Arena", () => {
  it("hands out aligned, disjoint tensors and the same addresses after a reset", async () => {
    using arena = new Arena(4096);
    const a = arena.alloc([3], "float32");
    const b = arena.alloc([5], "bfloat16");
    expect(Number(b.address() - a.address())).toBe(256);
    ops.fill(a, 1);
    ops.fill(b, 2);
    expect(await a.toNumbers()).toEqual([1, 1, 1]);
    expect(await b.toNumbers()).toEqual([2, 2, 2, 2, 2]);
    const before = [a.address(), b.address()];
    arena.reset();
    const a2 = arena.alloc([3], "float32");
    const b2 = arena.alloc([5], "bfloat16");
    expect([a2.address(), b2.address()]).toEqual(before);
    expect(arena.peakUsed).toBe(256 + 10);
  });

  it("mark/release frees in stack order; overflow is an OutOfMemoryError", () => {
    using arena = new Arena(1024);
    arena.alloc([10]);
    const mark = arena.mark();
    arena.alloc([100]);
    arena.release(mark);
    expect(arena.used).toBe(40);
    expect(() => arena.alloc([1000])).toThrowError(OutOfMemoryError);
  });

  it("disposing the arena frees every tensor carved from it", () => {
    const arena = new Arena(1024);
    const t = arena.alloc([4]);
    arena.dispose();
    expect(t.disposed).toBe(true);
  });
});
