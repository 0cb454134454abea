import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LLM, type RequestOutput, SamplingParams } from "../../src/index.js";
import { writeTinyLlama } from "./tiny-llama.js";

describe("LLM.stream", () => {
  let llm: LLM;
  beforeAll(async () => {
    llm = await LLM.create({ model: writeTinyLlama(), skipTokenizerInit: true, maxModelLen: 64 });
  });
  afterAll(async () => llm?.dispose());

  const params = new SamplingParams({ temperature: 0, maxTokens: 8, ignoreEos: true });

  it("yields growing outputs whose last one equals generate's", async () => {
    const seen: RequestOutput[] = [];
    for await (const output of llm.stream([3, 4, 5], params)) seen.push(output);
    const lengths = seen.map((o) => o.outputs[0]!.tokenIds.length);
    expect(lengths).toEqual([...lengths].sort((a, b) => a - b));
    expect(seen.at(-1)!.finished).toBe(true);
    expect(seen.slice(0, -1).every((o) => !o.finished)).toBe(true);
    const [reference] = await llm.generate([[3, 4, 5]], params, { useTqdm: false });
    expect(seen.at(-1)!.outputs[0]!.tokenIds).toEqual(reference!.outputs[0]!.tokenIds);
  });

  it("breaking out of the loop aborts the request and frees it", async () => {
    let count = 0;
    for await (const _ of llm.stream(
      [6, 7],
      new SamplingParams({ temperature: 0, maxTokens: 40, ignoreEos: true }),
    )) {
      if (++count === 2) break;
    }
    expect(count).toBe(2);
    // The engine is idle and usable: a new request runs to completion.
    const [after] = await llm.generate([[6, 7]], params, { useTqdm: false });
    expect(after!.outputs[0]!.tokenIds).toHaveLength(8);
  });

  it("an AbortSignal ends the stream early", async () => {
    const controller = new AbortController();
    const seen: RequestOutput[] = [];
    for await (const output of llm.stream(
      [8, 9],
      new SamplingParams({ temperature: 0, maxTokens: 40, ignoreEos: true }),
      {
        signal: controller.signal,
      },
    )) {
      seen.push(output);
      if (seen.length === 3) controller.abort();
    }
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.length).toBeLessThan(40);
  });

  it("streams and generate calls run concurrently in one batch", async () => {
    const streamed = (async () => {
      let last: RequestOutput | null = null;
      for await (const output of llm.stream([10, 11], params)) last = output;
      return last!;
    })();
    const [generated, final] = await Promise.all([
      llm.generate([[12, 13], [14]], params, { useTqdm: false }),
      streamed,
    ]);
    expect(generated).toHaveLength(2);
    expect(final.outputs[0]!.tokenIds).toHaveLength(8);
  });
});
