// The engine processes a step's outputs during the next step (LLMEngine.step). What that must not
// change: a stop string ends a request exactly where vLLM ends it, whatever else is in the batch,
// and the token computed after the stop is dropped; a failing step still delivers what the step
// before it produced, and the engine stays usable. Reference: the same requests run alone.
import type { Tensor } from "@vllm-ts/cuda-kernels";
import type { LogitsProcessor } from "@vllm-ts/sampling";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embeddedModelPath, LLM, SamplingParams } from "../../src/index.js";

const quiet = { useTqdm: false } as const;
const greedy = (maxTokens: number, extra: ConstructorParameters<typeof SamplingParams>[0] = {}) =>
  new SamplingParams({ temperature: 0, maxTokens, ignoreEos: true, ...extra });
const PROMPTS = ["ROMEO:\nBut soft, what light", "First Citizen:\nWe are accounted poor", "KING HENRY:\n"];

/** Throws from the sampler on the `failAt`-th step after being armed. */
class FailingProcessor implements LogitsProcessor {
  private countdown = -1;
  arm(failAt: number) {
    this.countdown = failAt;
  }
  updateState(): void {}
  apply(logits: Tensor): Tensor {
    if (this.countdown > 0 && --this.countdown === 0) throw new Error("planted sampler failure");
    return logits;
  }
  isArgmaxInvariant(): boolean {
    return false;
  }
}

describe("outputs processed one step behind", () => {
  let llm: LLM;
  const failing = new FailingProcessor();
  const solo = new Map<string, { text: string; tokenIds: number[] }>();
  beforeAll(async () => {
    llm = await LLM.create({ model: embeddedModelPath(), logitsProcessors: [failing], seed: 0 });
    for (const prompt of PROMPTS) {
      const [output] = await llm.generate([prompt], greedy(40), quiet);
      solo.set(prompt, { text: output!.outputs[0]!.text, tokenIds: [...output!.outputs[0]!.tokenIds] });
    }
  });
  afterAll(async () => llm?.dispose());

  it("a stop string ends its request where vLLM does, in a busy batch, and the others are unchanged", async () => {
    const full = solo.get(PROMPTS[0]!)!;
    const stop = full.text.slice(12, 15);
    const at = full.text.indexOf(stop);
    expect(at).toBeGreaterThan(0);
    const params = [greedy(40, { stop: [stop] }), greedy(40), greedy(40)];
    const outputs = await llm.generate(PROMPTS, params, quiet);
    const stopped = outputs[0]!.outputs[0]!;
    expect(stopped.text).toBe(full.text.slice(0, at));
    expect(stopped.finishReason).toBe("stop");
    expect(stopped.stopReason).toBe(stop);
    // The tokens run up to the one that completed the stop string, and no further.
    expect(full.tokenIds.slice(0, stopped.tokenIds.length)).toEqual([...stopped.tokenIds]);
    const tokenizer = await llm.getTokenizer();
    expect(tokenizer.decode(full.tokenIds.slice(0, stopped.tokenIds.length - 1))).not.toContain(stop);
    for (const [i, prompt] of PROMPTS.entries()) {
      if (i === 0) continue;
      expect(outputs[i]!.outputs[0]!.tokenIds).toEqual(solo.get(prompt)!.tokenIds);
    }
    const [kept] = await llm.generate(
      [PROMPTS[0]!],
      greedy(40, { stop: [stop], includeStopStrInOutput: true }),
      quiet,
    );
    expect(kept!.outputs[0]!.text).toBe(full.text.slice(0, at + stop.length));
  });

  it("a failing step delivers the outputs the step before it produced, and the engine recovers", async () => {
    failing.arm(3); // the step after the short request's last token: its outputs are processed then
    const short = llm.generate([PROMPTS[1]!], greedy(2), quiet);
    const long = llm.generate([PROMPTS[2]!], greedy(30), quiet);
    const [shortResult, longResult] = await Promise.allSettled([short, long]);
    expect(shortResult.status).toBe("fulfilled");
    if (shortResult.status === "fulfilled") {
      expect(shortResult.value[0]!.outputs[0]!.tokenIds).toEqual(solo.get(PROMPTS[1]!)!.tokenIds.slice(0, 2));
    }
    expect(longResult.status).toBe("rejected");
    if (longResult.status === "rejected")
      expect(String(longResult.reason)).toContain("planted sampler failure");
    const [again] = await llm.generate([PROMPTS[2]!], greedy(40), quiet);
    expect(again!.outputs[0]!.tokenIds).toEqual(solo.get(PROMPTS[2]!)!.tokenIds);
  });
});
