// Ports test_scheduler.py's stop and leak tests: update_from_output applies tokens one by one
// with the stop checks and frees what finished.
import { checkKVCacheIntegrity } from "@vllm-ts/kv-cache";
import { describe, expect, it } from "vitest";
import { createRequests, createScheduler, EOS_TOKEN_ID, runnerOutput, sampleAll } from "../test/helpers.js";
import type { DefaultScheduler } from "./default-scheduler.js";
import { Request } from "./request.js";

function expectEmpty(scheduler: DefaultScheduler) {
  const kv = scheduler.kvCacheManager;
  expect(scheduler.hasUnfinishedRequests()).toBe(false);
  expect(scheduler.runningRequests).toHaveLength(0);
  expect(scheduler.waitingRequests).toHaveLength(0);
  expect([...kv.requestIds()]).toHaveLength(0);
  expect(kv.numFreeBlocks).toBe(kv.pool.numUsableBlocks);
  expect(kv.pool.blocks.every((block) => block.refCount === 0)).toBe(true);
  checkKVCacheIntegrity(kv);
}

describe("stopping through updateFromOutput (test_stop_via_update_from_output)", () => {
  it("stops on EOS, keeping it in the output", () => {
    const scheduler = createScheduler();
    const requests = createRequests(2, { maxTokens: 10 });
    for (const request of requests) scheduler.addRequest(request);
    const output = scheduler.schedule();
    const update = scheduler.updateFromOutput(output, runnerOutput({ "0": [EOS_TOKEN_ID], "1": [10, 11] }));
    expect(scheduler.runningRequests.map((r) => r.requestId)).toEqual(["1"]);
    expect(requests[0]!.status).toBe("finishedStopped");
    expect(requests[0]!.outputTokenIds).toEqual([EOS_TOKEN_ID]);
    expect(requests[1]!.outputTokenIds).toEqual([10, 11]);
    expect(update.outputs).toEqual([
      { requestId: "0", newTokenIds: [EOS_TOKEN_ID], finishReason: "stop", stopReason: null, pooled: false },
      { requestId: "1", newTokenIds: [10, 11], finishReason: null, stopReason: null, pooled: false },
    ]);
    expect(scheduler.schedule().finishedRequestIds).toEqual(["0"]);
  });

  it("stops on a stop token, which becomes the stop reason, and drops later tokens", () => {
    const scheduler = createScheduler();
    const requests = createRequests(2, { maxTokens: 10, stopTokenIds: [42, 43] });
    for (const request of requests) scheduler.addRequest(request);
    const update = scheduler.updateFromOutput(
      scheduler.schedule(),
      runnerOutput({ "0": [10, 42, 12], "1": [13, 14] }),
    );
    expect(requests[0]!.status).toBe("finishedStopped");
    expect(requests[0]!.stopReason).toBe(42);
    expect(requests[0]!.outputTokenIds).toEqual([10, 42]);
    expect(requests[1]!.outputTokenIds).toEqual([13, 14]);
    expect(update.outputs[0]).toEqual({
      requestId: "0",
      newTokenIds: [10, 42],
      finishReason: "stop",
      stopReason: 42,
      pooled: false,
    });
  });

  it("caps at maxTokens, truncating the tokens past it", () => {
    const scheduler = createScheduler();
    const requests = createRequests(2, { maxTokens: 2 });
    for (const request of requests) scheduler.addRequest(request);
    const update = scheduler.updateFromOutput(
      scheduler.schedule(),
      runnerOutput({ "0": [10, 11, 12], "1": [13] }),
    );
    expect(requests[0]!.status).toBe("finishedLengthCapped");
    expect(requests[0]!.outputTokenIds).toEqual([10, 11]);
    expect(requests[1]!.outputTokenIds).toEqual([13]);
    expect(update.outputs[0]!.finishReason).toBe("length");
  });

  it("continues past EOS under ignoreEos", () => {
    const scheduler = createScheduler();
    const [request] = createRequests(1, { maxTokens: 10, ignoreEos: true });
    scheduler.addRequest(request!);
    scheduler.updateFromOutput(scheduler.schedule(), runnerOutput({ "0": [EOS_TOKEN_ID, 10] }));
    expect(scheduler.runningRequests).toHaveLength(1);
    expect(request!.isFinished).toBe(false);
    expect(request!.outputTokenIds).toEqual([EOS_TOKEN_ID, 10]);
  });

  it("caps at maxModelLen even when maxTokens is larger", () => {
    const scheduler = createScheduler({ maxModelLen: 12, maxNumBatchedTokens: 64 });
    // The request sets no cap of its own: the scheduler's maxModelLen applies.
    const request = new Request({ requestId: "a", promptTokenIds: Array(10).fill(1), maxTokens: 100 });
    scheduler.addRequest(request);
    for (let step = 0; step < 5 && scheduler.hasUnfinishedRequests(); step++) {
      scheduler.updateFromOutput(scheduler.schedule(), sampleAll(scheduler, 7));
    }
    expect(request.outputTokenIds).toEqual([7, 7]);
    expect(request.finishReason).toBe("length");
    expectEmpty(scheduler);
  });
});

describe("freeing", () => {
  it("test_memory_leak: everything is freed once all requests finish", () => {
    const scheduler = createScheduler({ enablePrefixCaching: true });
    for (const request of createRequests(5, { numTokens: 10, maxTokens: 10 })) {
      scheduler.addRequest(request);
      scheduler.updateFromOutput(scheduler.schedule(), sampleAll(scheduler));
    }
    for (;;) {
      const output = scheduler.schedule();
      if (scheduler.runningRequests.length === 0) break;
      scheduler.updateFromOutput(output, sampleAll(scheduler));
    }
    expectEmpty(scheduler);
  });

  it("finishRequests aborts waiting, running and swapped requests and frees them", () => {
    const scheduler = createScheduler({
      numBlocks: 6,
      blockSize: 4,
      maxNumBatchedTokens: 64,
      numHostBlocks: 8,
    });
    const requests = createRequests(4, { numTokens: 6, maxTokens: 50 });
    for (const request of requests) scheduler.addRequest(request);
    scheduler.updateFromOutput(scheduler.schedule(), sampleAll(scheduler));
    for (let step = 0; step < 4; step++)
      scheduler.updateFromOutput(scheduler.schedule(), sampleAll(scheduler));
    expect(scheduler.swappedRequests.length + scheduler.waitingRequests.length).toBeGreaterThan(0);
    scheduler.finishRequests(["0", "1", "2", "3", "unknown"], "finishedAborted");
    expect(requests.every((request) => request.finishReason === "abort")).toBe(true);
    expect(scheduler.swappedRequests).toHaveLength(0);
    expectEmpty(scheduler);
    expect(scheduler.kvCacheManager.swapSpace.numFreeBlocks).toBe(8);
    expect(() => scheduler.finishRequests("0", "running" as never)).toThrow(
      "finishRequests: running is not a finished status",
    );
  });

  it("finishes a pooling request as soon as its prompt is computed", () => {
    const scheduler = createScheduler({ maxNumBatchedTokens: 8, maxModelLen: 64, maxNumSeqs: 4 });
    const request = new Request({ requestId: "p", promptTokenIds: Array(12).fill(3), pooling: true });
    scheduler.addRequest(request);
    const first = scheduler.schedule();
    expect(first.numScheduledTokens.get("p")).toBe(8);
    expect(scheduler.updateFromOutput(first, runnerOutput({})).outputs).toEqual([]);
    const second = scheduler.schedule();
    expect(second.numScheduledTokens.get("p")).toBe(4);
    expect(scheduler.updateFromOutput(second, runnerOutput({ p: "pooled" })).outputs).toEqual([
      { requestId: "p", newTokenIds: [], finishReason: "stop", stopReason: null, pooled: true },
    ]);
    expect(request.status).toBe("finishedStopped");
    expectEmpty(scheduler);
  });

  it("computes a pooling prompt that fills the whole context", () => {
    const scheduler = createScheduler({ maxNumBatchedTokens: 8, maxModelLen: 16, maxNumSeqs: 4 });
    const request = new Request({
      requestId: "p",
      promptTokenIds: Array(16).fill(3),
      pooling: true,
      maxModelLen: 16,
    });
    scheduler.addRequest(request);
    scheduler.updateFromOutput(scheduler.schedule(), runnerOutput({}));
    const second = scheduler.schedule();
    expect(second.numScheduledTokens.get("p")).toBe(8);
    scheduler.updateFromOutput(second, runnerOutput({ p: "pooled" }));
    expect(request.finishReason).toBe("stop");
  });

  it("finishes a request that can never fit in the KV cache as ignored", () => {
    const scheduler = createScheduler({
      numBlocks: 3,
      blockSize: 4,
      maxModelLen: 64,
      maxNumBatchedTokens: 64,
    });
    const big = new Request({ requestId: "big", promptTokenIds: Array(9).fill(1) });
    const small = new Request({ requestId: "small", promptTokenIds: Array(5).fill(2), maxTokens: 1 });
    scheduler.addRequest(big);
    scheduler.addRequest(small);
    const output = scheduler.schedule();
    expect([...output.numScheduledTokens.keys()]).toEqual(["small"]);
    expect(big.status).toBe("finishedIgnored");
    const update = scheduler.updateFromOutput(output, runnerOutput({ small: [1] }));
    expect(update.outputs.map((o) => [o.requestId, o.finishReason])).toEqual([
      ["big", "length"],
      ["small", "length"],
    ]);
    expectEmpty(scheduler);
  });
});
