// The plain-data contract with the runner: new requests in full, then diffs.
import { describe, expect, it } from "vitest";
import { createScheduler, runnerOutput } from "../test/helpers.js";
import { FakeModelRunner } from "./fake-model-runner.js";
import { Request } from "./request.js";

describe("SchedulerOutput", () => {
  it("sends a request in full once, then token and block diffs", () => {
    const scheduler = createScheduler({
      blockSize: 4,
      maxNumBatchedTokens: 8,
      maxNumSeqs: 2,
      maxModelLen: 64,
    });
    const prompt = Array.from({ length: 10 }, (_, i) => 100 + i);
    scheduler.addRequest(new Request({ requestId: "a", promptTokenIds: prompt, loraName: "l", payload: 42 }));

    const first = scheduler.schedule();
    expect(first.scheduledNewRequests).toEqual([
      {
        requestId: "a",
        promptTokenIds: prompt,
        blockIds: [1, 2],
        numComputedTokens: 0,
        loraName: "l",
        pooling: false,
        payload: 42,
      },
    ]);
    expect([...first.numScheduledTokens]).toEqual([["a", 8]]);
    expect(first.totalNumScheduledTokens).toBe(8);
    scheduler.updateFromOutput(first, runnerOutput({}));

    const second = scheduler.schedule();
    expect(second.scheduledCachedRequests).toEqual([
      {
        requestId: "a",
        resumedFromPreemption: false,
        newTokenIds: [],
        newBlockIds: [3],
        numComputedTokens: 8,
        numOutputTokens: 0,
      },
    ]);
    expect(second.numScheduledTokens.get("a")).toBe(2);
    scheduler.updateFromOutput(second, runnerOutput({ a: [7] }));

    const third = scheduler.schedule();
    expect(third.scheduledCachedRequests[0]).toMatchObject({
      newTokenIds: [7],
      newBlockIds: [],
      numComputedTokens: 10,
    });
    scheduler.updateFromOutput(third, runnerOutput({ a: [8] }));
    const fourth = scheduler.schedule();
    expect(fourth.scheduledCachedRequests[0]).toMatchObject({
      newTokenIds: [8],
      newBlockIds: [],
      numComputedTokens: 11,
    });
    scheduler.updateFromOutput(fourth, runnerOutput({ a: [9] }));
    const fifth = scheduler.schedule();
    expect(fifth.scheduledCachedRequests[0]).toMatchObject({
      newTokenIds: [9],
      newBlockIds: [4],
      numComputedTokens: 12,
    });
    expect(fifth.finishedRequestIds).toEqual([]);

    scheduler.finishRequests("a", "finishedAborted");
    const sixth = scheduler.schedule();
    expect(sixth.finishedRequestIds).toEqual(["a"]);
    expect(sixth.totalNumScheduledTokens).toBe(0);
    expect(scheduler.schedule().finishedRequestIds).toEqual([]);
  });

  it("is enough for a runner to rebuild every request's tokens and block table", () => {
    const scheduler = createScheduler({
      blockSize: 2,
      numBlocks: 12,
      maxNumBatchedTokens: 6,
      maxNumSeqs: 3,
      maxModelLen: 20,
      numHostBlocks: 4,
    });
    const runner = new FakeModelRunner({ vocabSize: 50, seed: 3 });
    const requests = [5, 7, 9, 3].map(
      (n, i) =>
        new Request({
          requestId: `r${i}`,
          promptTokenIds: Array.from({ length: n }, (_, k) => k + i),
          maxTokens: 10,
          maxModelLen: 16,
        }),
    );
    for (const request of requests) scheduler.addRequest(request);
    while (scheduler.hasUnfinishedRequests()) {
      const output = scheduler.schedule();
      const result = runner.execute(output);
      for (const requestId of output.numScheduledTokens.keys()) {
        const request = scheduler.getRequest(requestId)!;
        const state = runner.states.get(requestId)!;
        expect(state.tokenIds).toEqual([...request.promptTokenIds, ...request.outputTokenIds]);
        expect(state.blockIds).toEqual(scheduler.kvCacheManager.getBlockIds(requestId));
      }
      scheduler.updateFromOutput(output, result);
    }
    expect(requests.map((r) => r.numOutputTokens)).toEqual([10, 9, 7, 10]);
    expect(scheduler.stats().numPreemptions).toBeGreaterThan(0);
    // Only the request that finished in the last step is still known to the runner.
    expect(runner.states.size).toBe(1);
    runner.applySchedulerOutput(scheduler.schedule());
    expect(runner.states.size).toBe(0);
  });
});
