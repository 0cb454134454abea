import { describe, expect, it } from "vitest";
import { defaultSamplingParams, diffSamplingParams } from "./generation-config.js";

describe("default sampling parameters from generation_config.json", () => {
  it("takes vLLM's six keys (max_new_tokens as maxTokens) and ignores the rest", () => {
    const config = {
      temperature: 0.6,
      top_p: 0.9,
      top_k: 20,
      max_new_tokens: 512,
      do_sample: true,
      eos_token_id: 2,
    };
    expect(diffSamplingParams(config)).toEqual({ temperature: 0.6, topP: 0.9, topK: 20, maxTokens: 512 });
    const p = defaultSamplingParams(config);
    expect([p.temperature, p.topP, p.topK, p.maxTokens, p.minP, p.repetitionPenalty]).toEqual([
      0.6, 0.9, 20, 512, 0, 1,
    ]);
  });

  it("applies overrides and falls back to vLLM's neutral defaults", () => {
    expect(diffSamplingParams({ temperature: 0.6 }, { temperature: 0.2, min_p: 0.05 })).toEqual({
      temperature: 0.2,
      minP: 0.05,
    });
    expect(defaultSamplingParams(null).temperature).toBe(1);
    expect(defaultSamplingParams({ bos_token_id: 1 }).maxTokens).toBe(16);
  });
});
