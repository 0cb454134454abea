import { BlockHasher } from "@vllm-ts/kv-cache";
import { describe, expect, it } from "vitest";
import { Request } from "./request.js";
import { finishReasonOf, isFinishedStatus } from "./request-status.js";
import { resolveSchedulerConfig } from "./scheduler-config.js";

describe("Request", () => {
  it("defaults its parameters and counts tokens", () => {
    const request = new Request({ requestId: "r", promptTokenIds: [1, 2, 3], payload: { mine: true } });
    expect(request).toMatchObject({
      status: "waiting",
      numComputedTokens: 0,
      numCachedTokens: 0,
      numPreemptions: 0,
      maxTokens: Number.POSITIVE_INFINITY,
      minTokens: 0,
      eosTokenId: null,
      ignoreEos: false,
      priority: 0,
      cacheSalt: null,
      loraName: null,
      pooling: false,
      skipReadingPrefixCache: false,
      stopReason: null,
      payload: { mine: true },
    });
    request.appendOutputTokenIds([4, 5]);
    request.appendOutputTokenIds(6);
    expect(request.numTokens).toBe(6);
    expect(request.numOutputTokens).toBe(3);
    expect([0, 2, 3, 5].map((p) => request.tokenAt(p))).toEqual([1, 3, 4, 6]);
    expect(request.isFinished).toBe(false);
    expect(request.finishReason).toBeNull();
  });

  it("drops the EOS id under ignoreEos", () => {
    expect(
      new Request({ requestId: "r", promptTokenIds: [1], eosTokenId: 2, ignoreEos: true }).eosTokenId,
    ).toBeNull();
  });

  it("hashes full blocks as tokens arrive once a hasher is attached", () => {
    const hasher = new BlockHasher(2, "seed");
    const request = new Request({ requestId: "r", promptTokenIds: [1, 2, 3] });
    request.attachBlockHasher(hasher);
    expect(request.blockHashes).toHaveLength(1);
    request.appendOutputTokenIds(4);
    expect(request.blockHashes).toHaveLength(2);
    const twin = new Request({ requestId: "t", promptTokenIds: [1, 2, 3, 4] });
    twin.attachBlockHasher(hasher);
    expect(twin.blockHashes).toEqual(request.blockHashes);
  });

  it("rejects an empty prompt or id", () => {
    expect(() => new Request({ requestId: "r", promptTokenIds: [] })).toThrow(
      "The decoder prompt cannot be empty",
    );
    expect(() => new Request({ requestId: "", promptTokenIds: [1] })).toThrow(
      "requestId must be a non-empty string",
    );
  });

  it("maps finished statuses to finish reasons", () => {
    expect(finishReasonOf("finishedStopped")).toBe("stop");
    expect(finishReasonOf("finishedLengthCapped")).toBe("length");
    expect(finishReasonOf("finishedIgnored")).toBe("length");
    expect(finishReasonOf("finishedAborted")).toBe("abort");
    expect(finishReasonOf("finishedError")).toBe("error");
    expect(finishReasonOf("swapped")).toBeNull();
    expect(isFinishedStatus("preempted")).toBe(false);
  });
});

describe("resolveSchedulerConfig", () => {
  const base = { maxNumBatchedTokens: 512, maxNumSeqs: 8, maxModelLen: 256 };
  it("fills defaults", () => {
    expect(resolveSchedulerConfig(base)).toEqual({
      ...base,
      policy: "fcfs",
      enableChunkedPrefill: true,
      maxLoras: null,
    });
  });
  it("rejects bad configs with vLLM's messages", () => {
    expect(() => resolveSchedulerConfig({ ...base, policy: "sjf" as never })).toThrow(
      "Unknown scheduling policy: sjf",
    );
    expect(() => resolveSchedulerConfig({ ...base, maxNumSeqs: 1024 })).toThrow(
      "max_num_batched_tokens (512) must be greater than or equal to max_num_seqs (1024).",
    );
    expect(() => resolveSchedulerConfig({ ...base, maxModelLen: 1024, enableChunkedPrefill: false })).toThrow(
      "max_num_batched_tokens (512) is smaller than max_model_len (1024). This effectively limits the maximum " +
        "sequence length to max_num_batched_tokens and makes vLLM reject longer sequences. Please increase " +
        "max_num_batched_tokens or decrease max_model_len.",
    );
    expect(() => resolveSchedulerConfig({ ...base, maxNumSeqs: 0 })).toThrow(
      "maxNumSeqs must be a positive integer, got 0",
    );
  });
});
