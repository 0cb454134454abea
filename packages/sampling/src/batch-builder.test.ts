import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyBatchUpdate, type SamplingRequestState } from "./batch.js";
import { SamplingBatchBuilder } from "./batch-builder.js";
import { mockSamplingRequest } from "./testing.js";

const pool = Array.from({ length: 12 }, (_, i) => mockSamplingRequest({ requestId: `r${i}` }));

/** Replays a sequence of steps through a builder into index-keyed state, as a logits processor keeps it. */
function replay(steps: readonly (readonly SamplingRequestState[])[]) {
  const builder = new SamplingBatchBuilder();
  const state = new Map<number, string>();
  for (const requests of steps) {
    const batch = builder.build(requests);
    applyBatchUpdate(state, batch.update, (request) => request.requestId);
    const expected = new Map(requests.map((r, i) => [i, r.requestId]));
    expect(state).toEqual(expected);
    if (batch.update) {
      expect(batch.update.batchSize).toBe(requests.length);
      // New rows and move targets are rows of the new batch (sources may be old rows past its end).
      const indices = [...batch.update.added.map((a) => a.index), ...batch.update.moved.map((m) => m.to)];
      for (const index of indices) expect(index).toBeLessThan(requests.length);
    }
  }
}

describe("SamplingBatchBuilder", () => {
  it("reports new requests as added, departed ones as removed, and nothing when the rows are unchanged", () => {
    const builder = new SamplingBatchBuilder();
    const [a, b, c] = pool;
    const first = builder.build([a!, b!]);
    expect(first.update).toEqual({
      batchSize: 2,
      removed: [],
      added: [
        { index: 0, request: a },
        { index: 1, request: b },
      ],
      moved: [],
    });
    expect(builder.build([a!, b!]).update).toBeNull();
    const third = builder.build([c!, b!]);
    expect(third.update).toEqual({
      batchSize: 2,
      removed: [0],
      added: [{ index: 0, request: c }],
      moved: [],
    });
    const fourth = builder.build([b!]);
    expect(fourth.update).toEqual({
      batchSize: 1,
      removed: [0],
      added: [],
      moved: [{ from: 1, to: 0, direction: "unidirectional" }],
    });
  });

  it("swaps when two survivors trade rows", () => {
    const builder = new SamplingBatchBuilder();
    const [a, b] = pool;
    builder.build([a!, b!]);
    expect(builder.build([b!, a!]).update?.moved).toEqual([{ from: 1, to: 0, direction: "swap" }]);
  });

  it("keeps index-keyed processor state exact over arbitrary sequences of batches", () => {
    const step = fc
      .subarray(pool)
      .chain((chosen) => fc.shuffledSubarray(chosen, { minLength: chosen.length }));
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
        replay(steps);
      }),
      { numRuns: 300 },
    );
  });

  it("rejects a request listed twice", () => {
    expect(() => new SamplingBatchBuilder().build([pool[0]!, pool[0]!])).toThrow("appears twice");
  });
});
