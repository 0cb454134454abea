import { afterEach, describe, expect, it, vi } from "vitest";
import { deriveMaxModelLen, ValidationError, verifyMaxModelLen } from "../src/index.js";
import { CONFIGS } from "./configs.js";

describe("maxModelLen derivation (vLLM's _get_and_verify_max_len)", () => {
  it.each([
    ["Llama 3.1 (llama3 scaling is not applied again)", CONFIGS.llama31, 131072, "max_position_embeddings"],
    ["Llama 2", CONFIGS.llama2, 4096, "max_position_embeddings"],
    ["Mistral (the window does not cap it)", CONFIGS.mistral, 32768, "max_position_embeddings"],
    ["GPT-2 (n_positions, the smaller of n_positions and n_ctx keys)", CONFIGS.gpt2, 1024, "n_positions"],
    ["Gemma 2", CONFIGS.gemma2, 8192, "max_position_embeddings"],
    [
      "Phi-3 128k (longrope: derived from max_position_embeddings)",
      CONFIGS.phi3Long,
      131072,
      "max_position_embeddings",
    ],
  ] as const)("%s", (_, config, derived, key) => {
    expect(deriveMaxModelLen(config)).toMatchObject({ derived, key });
  });

  it("multiplies by linear / dynamic factors and uses yarn's original length times its factor", () => {
    expect(
      deriveMaxModelLen({ ...CONFIGS.llama2, rope_scaling: { type: "linear", factor: 2.0 } }).derived,
    ).toBe(8192);
    expect(
      deriveMaxModelLen({ ...CONFIGS.llama2, rope_scaling: { type: "dynamic", factor: 4.0 } }).derived,
    ).toBe(16384);
    const yarn = {
      ...CONFIGS.qwen2,
      max_position_embeddings: 32768,
      rope_scaling: { type: "yarn", factor: 4.0, original_max_position_embeddings: 32768 },
    };
    expect(deriveMaxModelLen(yarn).derived).toBe(131072);
    const v5 = {
      ...CONFIGS.llama2,
      rope_scaling: undefined,
      rope_parameters: { rope_type: "linear", factor: 3, rope_theta: 1e4 },
    };
    expect(deriveMaxModelLen(v5).derived).toBe(12288);
  });

  it("defaults LongRoPE models to their original context", () => {
    expect(deriveMaxModelLen(CONFIGS.phi3Long).defaultMaxModelLen).toBe(4096);
    expect(verifyMaxModelLen(CONFIGS.phi3Long, null, deriveMaxModelLen(CONFIGS.phi3Long))).toBe(4096);
    expect(verifyMaxModelLen(CONFIGS.phi3Long, 100000, deriveMaxModelLen(CONFIGS.phi3Long))).toBe(100000);
  });

  it("lets model_max_length win, caps pooling models by the tokenizer, and sentence-transformers' max_seq_length", () => {
    expect(deriveMaxModelLen({ ...CONFIGS.llama2, model_max_length: 131072 })).toMatchObject({
      derived: 131072,
      key: "model_max_length",
    });
    expect(deriveMaxModelLen(CONFIGS.roberta, { tokenizerConfig: { model_max_length: 512 } }).derived).toBe(
      512,
    );
    expect(deriveMaxModelLen(CONFIGS.minilm, { encoderMaxSeqLength: 256 }).derived).toBe(256);
  });

  it("assumes 2048 when config.json names no length", () => {
    expect(deriveMaxModelLen({ model_type: "llama" })).toEqual({
      derived: 2048,
      key: null,
      defaultMaxModelLen: 2048,
    });
  });
});

describe("a user maxModelLen", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("is used when it fits", () => {
    expect(verifyMaxModelLen(CONFIGS.llama2, 1000, deriveMaxModelLen(CONFIGS.llama2))).toBe(1000);
  });

  it("fails above the derived length with vLLM's message", () => {
    vi.stubEnv("VLLM_ALLOW_LONG_MAX_MODEL_LEN", "");
    const call = () => verifyMaxModelLen(CONFIGS.llama2, 8192, deriveMaxModelLen(CONFIGS.llama2));
    expect(call).toThrow(ValidationError);
    expect(call).toThrow(
      "User-specified max_model_len (8192) is greater than the derived max_model_len (max_position_embeddings=4096 or " +
        "model_max_length=None in model's config.json). To allow overriding this maximum, set the env var " +
        "VLLM_ALLOW_LONG_MAX_MODEL_LEN=1. VLLM_ALLOW_LONG_MAX_MODEL_LEN must be used with extreme caution.",
    );
  });

  it("is allowed above it with VLLM_ALLOW_LONG_MAX_MODEL_LEN=1", () => {
    vi.stubEnv("VLLM_ALLOW_LONG_MAX_MODEL_LEN", "1");
    const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
    expect(verifyMaxModelLen(CONFIGS.llama2, 8192, deriveMaxModelLen(CONFIGS.llama2))).toBe(8192);
    expect(warn).toHaveBeenCalledOnce();
  });
});
