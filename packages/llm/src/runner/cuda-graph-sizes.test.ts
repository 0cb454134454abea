import { describe, expect, it } from "vitest";
import { cudaGraphCaptureSizes, paddedGraphSize } from "./cuda-graph-sizes.js";

describe("CUDA graph capture sizes (vLLM's rule)", () => {
  it("1, 2, 4, every 8 to 256, then every 16, up to 2 × maxNumSeqs capped at 512", () => {
    const sizes = cudaGraphCaptureSizes(256, 16384);
    expect(sizes.slice(0, 6)).toEqual([1, 2, 4, 8, 16, 24]);
    expect(sizes).toContain(248);
    expect(sizes).toContain(256);
    expect(sizes).toContain(272);
    expect(sizes.at(-1)).toBe(512);
    expect(sizes.filter((s) => s > 256).every((s) => s % 16 === 0)).toBe(true);
  });

  it("is capped by the token budget and small maxNumSeqs", () => {
    expect(cudaGraphCaptureSizes(4, 8192)).toEqual([1, 2, 4, 8]);
    expect(cudaGraphCaptureSizes(256, 100)).toEqual([
      1, 2, 4, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 100,
    ]);
  });

  it("pads a batch to the smallest captured size that holds it", () => {
    const sizes = cudaGraphCaptureSizes(256, 16384);
    expect(paddedGraphSize(sizes, 3)).toBe(4);
    expect(paddedGraphSize(sizes, 9)).toBe(16);
    expect(paddedGraphSize(sizes, 513)).toBeNull();
  });
});
