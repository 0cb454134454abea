// Ports test_scheduler.py's ordering tests: the token budget, chunked prefill, FCFS and priority.
import { describe, expect, it } from "vitest";
import { createRequests, createScheduler, runnerOutput, sampleAll } from "../test/helpers.js";
import { Request } from "./request.js";

const newIds = (output: { scheduledNewRequests: readonly { requestId: string }[] }) =>
  output.scheduledNewRequests.map((r) => r.requestId);

describe("admission order", () => {
  it("test_schedule_order: chunked prefill splits a long prompt to fill the budget", () => {
    const scheduler = createScheduler({
      maxNumBatchedTokens: 1024,
      maxNumSeqs: 3,
      enableChunkedPrefill: true,
    });
    for (const r of [
      ...createRequests(2, { numTokens: 800 }),
      ...createRequests(2, { numTokens: 10, startingIndex: 2 }),
    ]) {
      scheduler.addRequest(r);
    }
    const output = scheduler.schedule();
    expect(newIds(output)).toEqual(["0", "1"]);
    expect(output.numScheduledTokens.get("1")).toBe(224);
    expect(output.totalNumScheduledTokens).toBe(1024);
  });

  it("test_schedule_order: without chunked prefill a long prompt blocks the shorter ones behind it", () => {
    const scheduler = createScheduler({
      maxNumBatchedTokens: 1024,
      maxNumSeqs: 3,
      enableChunkedPrefill: false,
    });
    for (const r of [
      ...createRequests(2, { numTokens: 800 }),
      ...createRequests(2, { numTokens: 10, startingIndex: 2 }),
    ]) {
      scheduler.addRequest(r);
    }
    const output = scheduler.schedule();
    expect(newIds(output)).toEqual(["0"]);
    expect(output.totalNumScheduledTokens).toBe(800);
  });

  it("respects maxNumSeqs and the budget every step, running requests first", () => {
    const scheduler = createScheduler({ maxNumBatchedTokens: 20, maxNumSeqs: 3, maxModelLen: 100 });
    for (const r of createRequests(5, { numTokens: 8, maxTokens: 3 })) scheduler.addRequest(r);
    const first = scheduler.schedule();
    expect([...first.numScheduledTokens]).toEqual([
      ["0", 8],
      ["1", 8],
      ["2", 4],
    ]);
    scheduler.updateFromOutput(first, sampleAll(scheduler));
    const second = scheduler.schedule();
    expect([...second.numScheduledTokens]).toEqual([
      ["0", 1],
      ["1", 1],
      ["2", 4],
    ]);
    expect(second.scheduledNewRequests).toHaveLength(0);
  });

  it("looks up the prefix cache on admission and records the hit", () => {
    const scheduler = createScheduler({ blockSize: 4, maxModelLen: 64, maxNumBatchedTokens: 64 });
    const shared = Array.from({ length: 10 }, (_, i) => i);
    const a = new Request({ requestId: "a", promptTokenIds: shared, maxTokens: 1 });
    scheduler.addRequest(a);
    scheduler.updateFromOutput(scheduler.schedule(), runnerOutput({ a: [5] }));
    const b = new Request({ requestId: "b", promptTokenIds: [...shared, 99], maxTokens: 1 });
    scheduler.addRequest(b);
    const output = scheduler.schedule();
    expect(output.scheduledNewRequests[0]).toMatchObject({ requestId: "b", numComputedTokens: 8 });
    expect(output.numScheduledTokens.get("b")).toBe(3);
    expect(b.numCachedTokens).toBe(8);
    expect(scheduler.stats().prefixCacheHitRate).toBeCloseTo(8 / 21);
  });

  it("keeps requests of more than maxLoras adapters waiting, without blocking others", () => {
    const scheduler = createScheduler({ maxLoras: 1 });
    const make = (id: string, loraName: string | null) =>
      new Request({ requestId: id, promptTokenIds: [1, 2, 3], loraName, arrivalTime: Number(id) });
    for (const r of [make("0", "x"), make("1", "y"), make("2", null), make("3", "x")])
      scheduler.addRequest(r);
    expect(newIds(scheduler.schedule())).toEqual(["0", "2", "3"]);
    expect(scheduler.waitingRequests.map((r) => r.requestId)).toEqual(["1"]);
  });
});

describe("priority policy", () => {
  const prioritised = (priorities: number[], arrivalTimes: number[], options = {}) => {
    const scheduler = createScheduler({ policy: "priority", ...options });
    const requests = createRequests(priorities.length, { priorities, arrivalTimes });
    for (const r of requests) scheduler.addRequest(r);
    return { scheduler, requests };
  };

  it("test_priority_scheduling_basic_ordering: lower value first", () => {
    const { scheduler } = prioritised([2, 0, 1], [1, 2, 3]);
    expect(newIds(scheduler.schedule())).toEqual(["1", "2", "0"]);
  });

  it("test_priority_scheduling_arrival_time_tiebreaker", () => {
    const { scheduler } = prioritised([1, 1, 1], [3, 1, 2]);
    expect(newIds(scheduler.schedule())).toEqual(["1", "2", "0"]);
  });

  it("test_priority_scheduling_mixed_priority_and_arrival", () => {
    const { scheduler } = prioritised([2, 1, 1, 0], [1, 3, 2, 4]);
    expect(newIds(scheduler.schedule())).toEqual(["3", "2", "1", "0"]);
  });

  it("breaks a full tie by request id", () => {
    const scheduler = createScheduler({ policy: "priority" });
    for (const id of ["b", "c", "a"])
      scheduler.addRequest(new Request({ requestId: id, promptTokenIds: [1], arrivalTime: 5 }));
    expect(newIds(scheduler.schedule())).toEqual(["a", "b", "c"]);
  });

  it("test_priority_scheduling_heap_property: one at a time, in priority order", () => {
    const priorities = [5, 1, 8, 3, 2, 7, 4, 6];
    const { scheduler, requests } = prioritised(
      priorities,
      priorities.map((_, i) => i),
      { maxNumSeqs: 1 },
    );
    const order: number[] = [];
    while (scheduler.waitingRequests.length > 0) {
      const output = scheduler.schedule();
      const [admitted] = output.scheduledNewRequests;
      if (admitted === undefined) continue;
      order.push(requests[Number(admitted.requestId)]!.priority);
      scheduler.updateFromOutput(output, runnerOutput({ [admitted.requestId]: [100] }));
      scheduler.finishRequests(admitted.requestId, "finishedStopped");
    }
    expect(order).toEqual([...priorities].sort((a, b) => a - b));
  });

  it("test_priority_scheduling_max_running_requests: a high priority waits for a free seat", () => {
    const { scheduler } = prioritised([5, 5], [1, 2], { maxNumSeqs: 2 });
    scheduler.updateFromOutput(scheduler.schedule(), sampleAll(scheduler));
    scheduler.addRequest(createRequests(1, { priorities: [0], arrivalTimes: [3], startingIndex: 2 })[0]!);
    const output = scheduler.schedule();
    expect(output.scheduledNewRequests).toHaveLength(0);
    expect(output.preemptedRequestIds).toHaveLength(0);
    expect(scheduler.runningRequests).toHaveLength(2);
    expect(scheduler.waitingRequests).toHaveLength(1);
  });

  it('rejects an unknown policy with "Unknown scheduling policy: {p}"', () => {
    expect(() => createScheduler({ policy: "lifo" as never })).toThrow("Unknown scheduling policy: lifo");
  });
});
