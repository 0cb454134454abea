// The embedded default model (models/tiny-shakespeare) against Hugging Face transformers: its
// tokenizer, and greedy generation in float32 on the CPU (transformers upcasts the same bf16
// weights; tools/demo-model/reference.py wrote the fixture).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embeddedModelPath, LLM, SamplingParams } from "../src/index.js";

interface Case {
  name: string;
  kind: "generate" | "chat";
  prompt: string;
  messages?: { role: string; content: string }[];
  prompt_token_ids: number[];
  greedy: { token_ids: number[]; text: string };
  greedy_ignore_eos: { token_ids: number[]; text: string };
  logprobs: { generated: { token_id: number; margin: number; top: [number, number][] }[] };
}
interface Fixture {
  max_new_tokens: number;
  encode: { text: string; token_ids: number[] }[];
  cases: Case[];
}

const fixture = JSON.parse(
  readFileSync(
    join(dirname(fileURLToPath(import.meta.url)), "fixtures", "demo-model", "greedy.json"),
    "utf8",
  ),
) as Fixture;
const NEAR_TIE = 1e-3;

/** Token ids must agree until a near-tie in the reference (top-1 and top-2 within a hair). */
function expectSameGreedy(actual: readonly number[], c: Case) {
  const expected = c.greedy_ignore_eos.token_ids;
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] === expected[i]) continue;
    const step = c.logprobs.generated[i]!;
    expect(
      step.margin,
      `${c.name}: step ${i} differs (${actual[i]} vs ${expected[i]}) without a near-tie`,
    ).toBeLessThan(NEAR_TIE);
    expect(step.top.map(([id]) => id)).toContain(actual[i]);
    return;
  }
  expect(actual).toHaveLength(expected.length);
}

describe("the embedded demo model matches transformers", () => {
  let llm: LLM;
  beforeAll(async () => {
    llm = await LLM.create({ model: embeddedModelPath(), device: "cpu" });
  });
  afterAll(async () => llm?.dispose());

  const greedy = new SamplingParams({ temperature: 0, maxTokens: fixture.max_new_tokens, ignoreEos: true });

  it("encodes text exactly as the Hugging Face tokenizer", async () => {
    const tokenizer = await llm.getTokenizer();
    for (const sample of fixture.encode)
      expect(tokenizer.encode(sample.text), JSON.stringify(sample.text)).toEqual(sample.token_ids);
  });

  it.each(fixture.cases.filter((c) => c.kind === "generate"))("greedy continuation of $name", async (c) => {
    const [output] = await llm.generate(c.prompt, greedy, { useTqdm: false });
    expect(output!.promptTokenIds).toEqual(c.prompt_token_ids);
    expectSameGreedy(output!.outputs[0]!.tokenIds, c);
    if (output!.outputs[0]!.tokenIds.join() === c.greedy_ignore_eos.token_ids.join()) {
      expect(output!.outputs[0]!.text).toBe(c.greedy_ignore_eos.text);
    }
  });

  it.each(fixture.cases.filter((c) => c.kind === "chat"))("chat reply to $name", async (c) => {
    const [output] = await llm.chat(c.messages!, greedy, { useTqdm: false });
    // The template renders BOS itself; the rendered text is tokenized without special tokens.
    expect(output!.promptTokenIds).toEqual(c.prompt_token_ids);
    expectSameGreedy(output!.outputs[0]!.tokenIds, c);
  });
});
