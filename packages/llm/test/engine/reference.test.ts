import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LLM, SamplingParams } from "../../src/index.js";
import { referenceGreedy, referenceLogprobs } from "./llama-reference.js";
import { TINY_LLAMA, type TinyLlamaConfig, tinyLlamaWeights, writeTinyLlama } from "./tiny-llama.js";

const PROMPTS = [
  [3, 17, 42, 8],
  [5],
  [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29],
];
const STEPS = 10;

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** Greedy tokens must match the reference, except at a near-tie where either token is accepted. */
function expectGreedyMatches(
  actual: readonly number[],
  expected: { tokens: number[]; logprobs: Float64Array[] },
) {
  for (let i = 0; i < expected.tokens.length; i++) {
    if (actual[i] === expected.tokens[i]) continue;
    const row = expected.logprobs[i]!;
    const gap = row[expected.tokens[i]!]! - row[actual[i]!]!;
    expect(
      gap,
      `step ${i}: engine chose ${actual[i]}, reference ${expected.tokens[i]} (not a near-tie)`,
    ).toBeLessThan(1e-4);
    return; // after a tie the sequences diverge legitimately
  }
}

describe.each<[string, TinyLlamaConfig]>([
  ["Llama (GQA)", TINY_LLAMA],
  ["Mistral (sliding window 6)", { ...TINY_LLAMA, slidingWindow: 6 }],
])("%s against a float64 reference forward", (_, config) => {
  let dir: string;
  let llm: LLM;
  const weights = tinyLlamaWeights(config);

  beforeAll(async () => {
    dir = writeTinyLlama(config);
    llm = await LLM.create({ model: dir, skipTokenizerInit: true, maxModelLen: 128, seed: 0 });
  });
  afterAll(async () => llm?.dispose());

  it("greedy tokens and their logprobs match", async () => {
    const outputs = await llm.generate(
      PROMPTS.map((ids) => ({ promptTokenIds: ids })),
      new SamplingParams({ temperature: 0, maxTokens: STEPS, ignoreEos: true, logprobs: 3 }),
      { useTqdm: false },
    );
    outputs.forEach((output, p) => {
      const reference = referenceGreedy(weights, config, PROMPTS[p]!, STEPS);
      const completion = output.outputs[0]!;
      expectGreedyMatches(completion.tokenIds, reference);
      // The sampled token's logprob at every step where the sequences agree.
      completion.logprobs!.forEach((step, i) => {
        if (completion.tokenIds.slice(0, i + 1).join() !== reference.tokens.slice(0, i + 1).join()) return;
        const token = completion.tokenIds[i]!;
        expect(step.get(token)!.logprob).toBeCloseTo(reference.logprobs[i]![token]!, 4);
        expect(step.get(token)!.rank).toBe(1);
      });
    });
  });

  it("prompt logprobs match the reference at every prompt position", async () => {
    const prompt = PROMPTS[2]!;
    const [output] = await llm.generate(
      { promptTokenIds: prompt },
      new SamplingParams({ temperature: 0, maxTokens: 1, promptLogprobs: 2 }),
      { useTqdm: false },
    );
    const reference = referenceLogprobs(weights, config, prompt);
    const promptLogprobs = output!.promptLogprobs!;
    expect(promptLogprobs).toHaveLength(prompt.length);
    expect(promptLogprobs[0]).toBeNull();
    for (let p = 1; p < prompt.length; p++) {
      const entry = promptLogprobs[p]!.get(prompt[p]!)!;
      expect(entry.logprob).toBeCloseTo(reference[p - 1]![prompt[p]!]!, 4);
      const topToken = argmax(reference[p - 1]!);
      expect([...promptLogprobs[p]!.keys()]).toContain(topToken);
    }
  });
});
