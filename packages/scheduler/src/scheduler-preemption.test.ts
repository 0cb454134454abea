// Ports test_scheduler.py's preemption tests and checks swapping: who is preempted, where it
// goes, and how it comes back.
import { checkKVCacheIntegrity } from "@vllm-ts/kv-cache";
import { describe, expect, it } from "vitest";
import { createRequests, createScheduler, runnerOutput, sampleAll } from "../test/helpers.js";

describe("preemption", () => {
  it("test_preempt_during_execution: a full cache preempts the later request (recompute)", () => {
    const scheduler = createScheduler({
      maxNumBatchedTokens: 100,
      blockSize: 16,
      numBlocks: 11,
      enablePrefixCaching: false,
    });
    const requests = createRequests(2, { numTokens: 80 });
    scheduler.addRequest(requests[0]!);
    const output0 = scheduler.schedule();
    expect(output0.numScheduledTokens.size).toBe(1);
    expect(output0.scheduledNewRequests[0]!.blockIds).toHaveLength(5);
    scheduler.addRequest(requests[1]!);
    const output1 = scheduler.schedule();
    expect(output1.numScheduledTokens.size).toBe(1);
    expect(output1.scheduledNewRequests[0]!.blockIds).toHaveLength(5);

    scheduler.updateFromOutput(output0, runnerOutput({ "0": [0] }));
    const output2 = scheduler.schedule();
    expect(scheduler.runningRequests).toEqual([requests[0]]);
    expect(requests[1]!.status).toBe("preempted");
    expect(requests[1]!.numComputedTokens).toBe(0);
    expect(requests[1]!.numPreemptions).toBe(1);
    expect(output2.preemptedRequestIds).toEqual(["1"]);
    expect(output2.scheduledNewRequests).toHaveLength(0);

    // The stale output of the step that ran it still lands on the preempted request.
    scheduler.updateFromOutput(output1, runnerOutput({ "1": [42] }));
    expect(requests[1]!.outputTokenIds).toEqual([42]);
    expect(scheduler.waitingRequests).toEqual([requests[1]]);
  });

  it("FCFS preempts the most recently admitted request and readmits it first, resumed", () => {
    const scheduler = createScheduler({
      numBlocks: 7,
      blockSize: 4,
      maxNumBatchedTokens: 64,
      maxModelLen: 64,
    });
    const requests = createRequests(3, { numTokens: 8, maxTokens: 20 });
    for (const r of requests) scheduler.addRequest(r);
    scheduler.addRequest(createRequests(1, { numTokens: 3, startingIndex: 3 })[0]!);
    scheduler.updateFromOutput(scheduler.schedule(), sampleAll(scheduler));
    // 3 requests x 2 blocks = 6 blocks: full. Request 3 waits (its prompt does not fit).
    expect(scheduler.runningRequests.map((r) => r.requestId)).toEqual(["0", "1", "2"]);
    const output = scheduler.schedule();
    expect(output.preemptedRequestIds).toEqual(["2"]);
    expect([...output.numScheduledTokens.keys()]).toEqual(["0", "1"]);
    expect(scheduler.waitingRequests.map((r) => r.requestId)).toEqual(["2", "3"]);
    scheduler.updateFromOutput(output, sampleAll(scheduler));
    scheduler.finishRequests(["0", "1"], "finishedAborted");
    const resumed = scheduler.schedule();
    expect(resumed.finishedRequestIds).toEqual(["0", "1"]);
    // Its freed blocks went to 0 and 1, so it recomputes all 9 tokens; the token sampled before
    // the preemption reaches the runner now.
    const back = resumed.scheduledCachedRequests.find((r) => r.requestId === "2")!;
    expect(back).toEqual({
      requestId: "2",
      resumedFromPreemption: true,
      newTokenIds: [1000],
      newBlockIds: scheduler.kvCacheManager.getBlockIds("2"),
      numComputedTokens: 0,
      numOutputTokens: 1,
    });
    expect(back.newBlockIds).toHaveLength(3);
    expect(resumed.numScheduledTokens.get("2")).toBe(9);
    expect(resumed.scheduledNewRequests.map((r) => r.requestId)).toEqual(["3"]);
    checkKVCacheIntegrity(scheduler.kvCacheManager);
  });

  it("test_priority_scheduling_preemption_when_out_of_kv: the lowest priority is preempted", () => {
    const scheduler = createScheduler({
      policy: "priority",
      maxNumSeqs: 2,
      maxNumBatchedTokens: 200,
      numBlocks: 5,
    });
    const low = createRequests(1, { priorities: [1], arrivalTimes: [0], numTokens: 30 })[0]!;
    scheduler.addRequest(low);
    let output = scheduler.schedule();
    expect(output.scheduledNewRequests).toHaveLength(1);
    scheduler.updateFromOutput(output, runnerOutput({ "0": [100] }));
    const high = createRequests(1, {
      priorities: [0],
      arrivalTimes: [1],
      numTokens: 32,
      startingIndex: 1,
    })[0]!;
    scheduler.addRequest(high);
    output = scheduler.schedule();
    expect(scheduler.kvCacheManager.numFreeBlocks).toBe(0);
    expect(output.scheduledNewRequests).toHaveLength(1);
    expect(output.scheduledCachedRequests).toHaveLength(1);
    expect(scheduler.runningRequests).toHaveLength(2);
    scheduler.updateFromOutput(output, runnerOutput({ "0": [100], "1": [100] }));
    // low needs 32 tokens (2 blocks), high 33 (3 blocks): 5 > 4 usable. low was scheduled
    // first in this step; its tokens go back to the budget.
    output = scheduler.schedule();
    expect(output.scheduledNewRequests).toHaveLength(0);
    expect(output.scheduledCachedRequests.map((r) => r.requestId)).toEqual(["1"]);
    expect([...output.numScheduledTokens]).toEqual([["1", 1]]);
    expect(output.totalNumScheduledTokens).toBe(1);
    expect(low.status).toBe("preempted");
    expect(scheduler.waitingRequests).toEqual([low]);
    expect(scheduler.runningRequests).toEqual([high]);
  });

  it("the priority victim is the largest priority value, then the latest arrival", () => {
    const scheduler = createScheduler({
      policy: "priority",
      numBlocks: 7,
      blockSize: 4,
      maxNumBatchedTokens: 64,
      maxModelLen: 64,
    });
    const requests = createRequests(3, { priorities: [1, 2, 2], arrivalTimes: [3, 1, 2], numTokens: 8 });
    for (const r of requests) scheduler.addRequest(r);
    scheduler.updateFromOutput(scheduler.schedule(), sampleAll(scheduler));
    expect(scheduler.schedule().preemptedRequestIds).toEqual(["2"]);
  });

  it("test_priority_scheduling_no_preemption_when_space_available", () => {
    const scheduler = createScheduler({ policy: "priority", maxNumSeqs: 3, maxNumBatchedTokens: 200 });
    for (const r of createRequests(2, { priorities: [5, 5], arrivalTimes: [1, 2], numTokens: 30 }))
      scheduler.addRequest(r);
    scheduler.updateFromOutput(scheduler.schedule(), sampleAll(scheduler));
    scheduler.addRequest(
      createRequests(1, { priorities: [0], arrivalTimes: [3], numTokens: 30, startingIndex: 2 })[0]!,
    );
    const output = scheduler.schedule();
    expect(output.scheduledNewRequests.map((r) => r.requestId)).toEqual(["2"]);
    expect(output.preemptedRequestIds).toEqual([]);
    expect(scheduler.runningRequests).toHaveLength(3);
  });

  it("swaps the victim out when the swap space has room, and swaps it back before admitting", () => {
    const scheduler = createScheduler({
      numBlocks: 7,
      blockSize: 4,
      maxNumBatchedTokens: 64,
      maxModelLen: 64,
      numHostBlocks: 16,
    });
    const requests = createRequests(3, { numTokens: 8, maxTokens: 6 });
    for (const r of requests) scheduler.addRequest(r);
    scheduler.updateFromOutput(scheduler.schedule(), sampleAll(scheduler));
    const output = scheduler.schedule();
    expect(output.preemptedRequestIds).toEqual(["2"]);
    expect(requests[2]!.status).toBe("swapped");
    expect(requests[2]!.numComputedTokens).toBe(8);
    expect(output.blocksToSwapOut).toEqual([
      [5, 0],
      [6, 1],
    ]);
    expect(output.blocksToSwapIn).toEqual([]);
    scheduler.updateFromOutput(output, sampleAll(scheduler));
    scheduler.addRequest(createRequests(1, { numTokens: 3, startingIndex: 3 })[0]!);

    let swappedIn = false;
    while (!swappedIn) {
      const step = scheduler.schedule();
      const back = step.scheduledCachedRequests.find((r) => r.requestId === "2");
      if (back !== undefined) {
        swappedIn = true;
        expect(back.resumedFromPreemption).toBe(true);
        expect(back.numComputedTokens).toBe(8);
        expect(back.newTokenIds).toEqual([1000]);
        expect(step.blocksToSwapIn.map(([host]) => host)).toEqual([0, 1]);
        expect(step.blocksToSwapIn.map(([, device]) => device)).toEqual(back.newBlockIds.slice(0, 2));
        expect(step.blocksToSwapOut).toEqual([]);
      } else {
        // Nothing new is admitted while a swapped request waits to come back.
        expect(step.scheduledNewRequests).toHaveLength(0);
      }
      scheduler.updateFromOutput(step, sampleAll(scheduler));
    }
    expect(scheduler.stats().numPreemptions).toBeGreaterThanOrEqual(1);
    while (scheduler.hasUnfinishedRequests())
      scheduler.updateFromOutput(scheduler.schedule(), sampleAll(scheduler));
    expect(requests.map((r) => r.outputTokenIds.length)).toEqual([6, 6, 6]);
    expect(scheduler.kvCacheManager.swapSpace.numFreeBlocks).toBe(16);
    checkKVCacheIntegrity(scheduler.kvCacheManager);
  });
});
