import { OutOfMemoryError } from "@vllm-ts/config";
import { describe, expect, it } from "vitest";
import {
  blockBytes,
  bytesForTokens,
  checkEnoughKvCacheMemory,
  estimateMaxModelLen,
  type KVCacheSpec,
  numBlocksForMemory,
  numHostBlocksForSwapSpace,
  pageSizeBytes,
} from "./kv-cache-spec.js";

const GiB = 2 ** 30;
// Qwen1.5-7B as in vLLM's test_estimate_max_model_len: 32 layers, 32 KV heads of 128, float16.
const qwen: KVCacheSpec = { numLayers: 32, blockSize: 16, numKvHeads: 32, headSize: 128, dtype: "float16" };

describe("KV cache sizing", () => {
  it("computes page, block and per-request bytes", () => {
    expect(pageSizeBytes(qwen)).toBe(2 * 16 * 32 * 128 * 2);
    expect(blockBytes(qwen)).toBe(pageSizeBytes(qwen) * 32);
    expect(bytesForTokens(qwen, 17)).toBe(2 * blockBytes(qwen));
    expect(bytesForTokens(qwen, 16384)).toBe(8 * GiB);
  });

  it("estimates the longest request that fits (16384 tokens of Qwen1.5-7B in 8 GiB)", () => {
    expect(estimateMaxModelLen(qwen, 8 * GiB, 16385)).toBe(16384);
    expect(estimateMaxModelLen(qwen, 8 * GiB, 16383)).toBe(16383);
    expect(estimateMaxModelLen(qwen, 1000, 16385)).toBe(0);
  });

  it("counts device blocks (or takes the override) and swap blocks", () => {
    expect(numBlocksForMemory(qwen, 8 * GiB)).toBe(1024);
    expect(numBlocksForMemory(qwen, 8 * GiB + blockBytes(qwen) - 1)).toBe(1024);
    expect(numBlocksForMemory(qwen, -5)).toBe(0);
    expect(numBlocksForMemory(qwen, 8 * GiB, 7)).toBe(7);
    expect(numHostBlocksForSwapSpace(qwen, 4)).toBe(512);
    expect(numHostBlocksForSwapSpace(qwen, 0)).toBe(0);
    expect(() => numHostBlocksForSwapSpace(qwen, -1)).toThrow(
      "swapSpace must be a number of GiB ≥ 0, got -1",
    );
  });

  it("fails with vLLM's messages when one max-length request does not fit", () => {
    expect(() => checkEnoughKvCacheMemory(qwen, 8 * GiB, 16384)).not.toThrow();
    expect(() => checkEnoughKvCacheMemory(qwen, 0, 16384)).toThrow(OutOfMemoryError);
    expect(() => checkEnoughKvCacheMemory(qwen, 0, 16384)).toThrow(
      "No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when initializing the " +
        "engine (this flag also controls CPU memory reservation on the CPU backend, despite its name). " +
        "See https://docs.vllm.ai/en/latest/configuration/conserving_memory/ for more details.",
    );
    expect(() => checkEnoughKvCacheMemory(qwen, 4 * GiB, 32768)).toThrow(
      "To serve at least one request with the model's max seq len (32768), (16.00 GiB KV cache is needed, which is " +
        "larger than the available KV cache memory (4.00 GiB). Based on the available memory, the estimated maximum " +
        "model length is 8192. Try increasing `gpu_memory_utilization` (which also controls CPU memory on the CPU " +
        "backend) or decreasing `max_model_len` when initializing the engine. " +
        "See https://docs.vllm.ai/en/latest/configuration/conserving_memory/ for more details.",
    );
    expect(() => checkEnoughKvCacheMemory(qwen, 1024, 32768)).toThrow(
      /\(0\.00 GiB\)\. Try increasing `gpu_memory_utilization`/,
    );
  });
});
