// The model zoo against Hugging Face transformers (float32 on the GPU host, tools/fixtures/models.py):
// for every generative family's tiny checkpoint, greedy tokens, the top-5 logprobs of every step and
// the prompt logprobs must match. At a near-tie (either token within a hair) either token is
// accepted when each is in the other's top-5, and the comparison stops there since the sequences
// then legitimately diverge.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LLM, SamplingParams } from "../../src/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(here, "..", "fixtures");
// ../shared/testdata beside the repository (CI), or $VLLM_TS_TESTDATA where it does not travel.
const TESTDATA =
  process.env.VLLM_TS_TESTDATA ?? join(here, "..", "..", "..", "..", "..", "shared", "testdata");

interface TopEntry {
  id: number;
  logprob: number;
}
interface Step {
  token: number;
  logprob: number;
  top: TopEntry[];
}
interface OracleCase {
  text?: string;
  promptTokenIds: number[];
  greedy: Step[];
  promptLogprobs: (Step & { rank: number })[];
}
interface Oracle {
  family: string;
  tokenizer: string | null;
  newTokens: number;
  cases: OracleCase[];
}

const FAMILIES = [
  "llama",
  "mistral",
  "mistral-bin",
  "qwen2",
  "qwen3",
  "qwen3-sharded",
  "gemma",
  "gemma2",
  "phi3",
  "gpt2",
  "opt",
  "mixtral",
];
const TOLERANCE = 1e-4;
const NEAR_TIE = 1e-3;

function oracle(family: string): Oracle {
  return JSON.parse(readFileSync(join(FIXTURES, "oracle", `${family}.json`), "utf8")) as Oracle;
}

describe.each(FAMILIES)("%s matches transformers", (family) => {
  const reference = oracle(family);
  let llm: LLM;

  beforeAll(async () => {
    const tokenizer = reference.tokenizer ? join(TESTDATA, reference.tokenizer) : undefined;
    if (tokenizer) expect(existsSync(tokenizer), `${tokenizer} (../shared/testdata) is missing`).toBe(true);
    llm = await LLM.create({
      model: join(FIXTURES, "checkpoints", family),
      ...(tokenizer ? { tokenizer } : { skipTokenizerInit: true }),
      // Phi-3's LongRoPE uses its short factors when the context stays within the original 64
      // positions, as transformers does for sequences that short.
      maxModelLen: family === "phi3" ? 64 : 128,
      dtype: "float32",
    });
  });
  afterAll(async () => llm?.dispose());

  it("tokenizes the text prompts as transformers does", async () => {
    const textCases = reference.cases.filter((c) => c.text !== undefined);
    if (textCases.length === 0) return;
    const tokenizer = await llm.getTokenizer();
    for (const c of textCases) expect(tokenizer.encode(c.text!), c.text).toEqual(c.promptTokenIds);
  });

  it("greedy tokens and top-5 logprobs of every step", async () => {
    const outputs = await llm.generate(
      reference.cases.map((c) => ({ promptTokenIds: c.promptTokenIds })),
      new SamplingParams({ temperature: 0, maxTokens: reference.newTokens, ignoreEos: true, logprobs: 5 }),
      { useTqdm: false },
    );
    outputs.forEach((output, i) => {
      const expected = reference.cases[i]!.greedy;
      const completion = output.outputs[0]!;
      for (let step = 0; step < expected.length; step++) {
        const want = expected[step]!;
        const got = completion.tokenIds[step]!;
        const gotTop = [...completion.logprobs![step]!.entries()].slice(got === want.token ? 0 : 1);
        if (got !== want.token) {
          // A near-tie: both tokens in each other's top-5 with almost equal logprobs.
          const wantInGot = completion.logprobs![step]!.get(want.token);
          const gotInWant = want.top.find((e) => e.id === got);
          expect(wantInGot, `${family} case ${i} step ${step}: got ${got}, want ${want.token}`).toBeDefined();
          expect(
            gotInWant,
            `${family} case ${i} step ${step}: got ${got} not in transformers' top-5`,
          ).toBeDefined();
          expect(Math.abs(gotInWant!.logprob - want.logprob)).toBeLessThan(NEAR_TIE);
          return;
        }
        expect(completion.logprobs![step]!.get(got)!.logprob).toBeCloseTo(want.logprob, 4);
        const top = gotTop.map(([id, l]) => ({ id, logprob: l.logprob }));
        want.top.forEach((entry, rank) => {
          const mine = top[rank]!;
          if (mine.id !== entry.id) {
            // Ranks may swap only between tokens whose logprobs are within the tolerance.
            expect(
              Math.abs(mine.logprob - entry.logprob),
              `${family} case ${i} step ${step} rank ${rank}`,
            ).toBeLessThan(TOLERANCE);
          } else {
            expect(Math.abs(mine.logprob - entry.logprob)).toBeLessThan(TOLERANCE);
          }
        });
      }
    });
  });

  it("prompt logprobs of every prompt position", async () => {
    const outputs = await llm.generate(
      reference.cases.map((c) => ({ promptTokenIds: c.promptTokenIds })),
      new SamplingParams({ temperature: 0, maxTokens: 1, promptLogprobs: 5 }),
      { useTqdm: false },
    );
    outputs.forEach((output, i) => {
      const expected = reference.cases[i]!.promptLogprobs;
      expect(output.promptLogprobs).toHaveLength(expected.length + 1);
      expect(output.promptLogprobs![0]).toBeNull();
      expected.forEach((want, p) => {
        const map = output.promptLogprobs![p + 1]!;
        const entry = map.get(want.token)!;
        expect(Math.abs(entry.logprob - want.logprob), `${family} case ${i} position ${p + 1}`).toBeLessThan(
          TOLERANCE,
        );
        expect(entry.rank).toBe(want.rank);
        for (const top of want.top) {
          const mine = map.get(top.id);
          if (mine) expect(Math.abs(mine.logprob - top.logprob)).toBeLessThan(TOLERANCE);
        }
      });
    });
  });
});
