import { describe, expect, it } from "vitest";
import { readGenerationDefaults } from "../src/index.js";
import { CONFIGS, modelDir } from "./configs.js";

// meta-llama/Llama-3.1-8B-Instruct's generation_config.json
const LLAMA31_GENERATION = {
  bos_token_id: 128000,
  do_sample: true,
  eos_token_id: [128001, 128008, 128009],
  temperature: 0.6,
  top_p: 0.9,
  transformers_version: "4.42.3",
};

describe("generation config", () => {
  it("gives the model's sampling defaults and every EOS id", async () => {
    const dir = modelDir({ "generation_config.json": LLAMA31_GENERATION });
    const generation = await readGenerationDefaults({
      modelDir: dir,
      hfConfig: CONFIGS.llama31,
      generationConfig: "auto",
    });
    expect(generation.samplingDefaults).toEqual({ temperature: 0.6, topP: 0.9 });
    expect(generation.eosTokenIds).toEqual([128001, 128008, 128009]);
    expect(generation.bosTokenId).toBe(128000);
  });

  it("maps max_new_tokens to maxTokens and keeps every listed parameter (not other keys)", async () => {
    const dir = modelDir({
      "generation_config.json": {
        repetition_penalty: 1.05,
        top_k: 20,
        min_p: 0.0,
        max_new_tokens: 512,
        num_beams: 4,
        eos_token_id: 7,
      },
    });
    const generation = await readGenerationDefaults({
      modelDir: dir,
      hfConfig: {},
      generationConfig: "auto",
    });
    expect(generation.samplingDefaults).toEqual({
      repetitionPenalty: 1.05,
      topK: 20,
      minP: 0,
      maxTokens: 512,
    });
    expect(generation.eosTokenIds).toEqual([7]);
  });

  it("'vllm' ignores the sampling defaults but keeps the EOS ids; overrides apply in either mode", async () => {
    const dir = modelDir({ "generation_config.json": LLAMA31_GENERATION });
    const vllm = await readGenerationDefaults({
      modelDir: dir,
      hfConfig: CONFIGS.llama31,
      generationConfig: "vllm",
      overrides: { topK: 5 },
    });
    expect(vllm.samplingDefaults).toEqual({ topK: 5 });
    expect(vllm.eosTokenIds).toEqual([128001, 128008, 128009]);
    const merged = await readGenerationDefaults({
      modelDir: dir,
      hfConfig: CONFIGS.llama31,
      generationConfig: "auto",
      overrides: { temperature: 0.2, max_new_tokens: 16 },
    });
    expect(merged.samplingDefaults).toEqual({ temperature: 0.2, topP: 0.9, maxTokens: 16 });
  });

  it("reads a generation_config.json from another folder when given a path", async () => {
    const model = modelDir({ "generation_config.json": LLAMA31_GENERATION });
    const other = modelDir({ "generation_config.json": { temperature: 1.5, eos_token_id: 3 } });
    const generation = await readGenerationDefaults({
      modelDir: model,
      hfConfig: {},
      generationConfig: other,
    });
    expect(generation.samplingDefaults).toEqual({ temperature: 1.5 });
    expect(generation.eosTokenIds).toEqual([3]);
  });

  it("falls back to config.json's token ids without generation_config.json", async () => {
    const generation = await readGenerationDefaults({
      modelDir: modelDir({}),
      hfConfig: CONFIGS.gpt2,
      generationConfig: "auto",
    });
    expect(generation).toMatchObject({
      samplingDefaults: {},
      eosTokenIds: [50256],
      bosTokenId: 50256,
      raw: null,
    });
  });

  it("rejects a non-numeric sampling value", async () => {
    const dir = modelDir({ "generation_config.json": { temperature: "hot" } });
    await expect(
      readGenerationDefaults({ modelDir: dir, hfConfig: {}, generationConfig: "auto" }),
    ).rejects.toThrow(/'temperature' must be a number/);
  });
});
