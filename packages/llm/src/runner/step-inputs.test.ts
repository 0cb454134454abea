import type { SchedulerOutput } from "@vllm-ts/scheduler";
import { describe, expect, it } from "vitest";
import { RunnerRequest } from "./runner-request.js";
import { StepInputs } from "./step-inputs.js";

const payload = { sampling: null, promptLogprobs: null, pooling: null };

/** The block table as the definition says: each row's block ids, then zeros. */
function expectedTable(rows: readonly (readonly number[])[], maxSeqs: number, width: number): number[] {
  const table = new Array<number>(maxSeqs * width).fill(0);
  rows.forEach((blocks, s) => {
    blocks.forEach((block, b) => {
      table[s * width + b] = block;
    });
  });
  return table;
}

describe("StepInputs", () => {
  it("block-table rows hold each sequence's blocks then zeros, across steps whose rows shrink and grow", () => {
    // Rows are rewritten only as far as needed; what an earlier, longer row left must still read 0.
    const maxSeqs = 3;
    const width = 6;
    const step = new StepInputs(64, maxSeqs, width, 4);
    const layouts: number[][][] = [
      [[5, 6, 7, 8, 9], [1], [2, 3]],
      [[4], [10, 11, 12]],
      [[], [13, 14, 15, 16, 17, 18], [19]],
      [[20, 21]],
    ];
    for (const blocksPerRow of layouts) {
      const requests = new Map<string, RunnerRequest>();
      const startOf = new Map<string, number>();
      const scheduled = new Map<string, number>();
      blocksPerRow.forEach((blocks, i) => {
        const id = `r${i}`;
        const tokens = Math.max(1, blocks.length * 4 - 1);
        requests.set(id, new RunnerRequest(id, new Array<number>(tokens).fill(7), blocks, payload));
        startOf.set(id, tokens - 1);
        scheduled.set(id, 1);
      });
      step.build({ numScheduledTokens: scheduled } as unknown as SchedulerOutput, requests, startOf);
      // Only the step's rows are uploaded (and meaningful).
      const used = blocksPerRow.length * width;
      expect(Array.from(step.blockTables.subarray(0, used))).toEqual(
        expectedTable(blocksPerRow, blocksPerRow.length, width),
      );
    }
    step.padDecode(maxSeqs);
    expect(Array.from(step.blockTables)).toEqual(expectedTable([[20, 21]], maxSeqs, width));
  });
});
