import { describe, expect, it } from "vitest";
import { resolveQuantizationConfig, ValidationError } from "../src/index.js";
import { CONFIGS, modelDir } from "./configs.js";

// quantization_config blocks as AutoAWQ, AutoGPTQ and llm-compressor/FP8 checkpoints ship them.
const AWQ = {
  bits: 4,
  group_size: 128,
  modules_to_not_convert: null,
  quant_method: "awq",
  version: "gemm",
  zero_point: true,
};
const GPTQ = {
  bits: 4,
  checkpoint_format: "gptq",
  damp_percent: 0.01,
  desc_act: true,
  group_size: 128,
  quant_method: "gptq",
  static_groups: false,
  sym: true,
  true_sequential: true,
};
const FP8 = {
  activation_scheme: "dynamic",
  quant_method: "fp8",
  weight_block_size: [128, 128],
  ignored_layers: ["lm_head"],
};

const withQuant = (quantization_config: unknown) => ({ ...CONFIGS.llama2, quantization_config });
const noFiles = modelDir({});

describe("quantization config", () => {
  it("parses AWQ", async () => {
    expect(await resolveQuantizationConfig(withQuant(AWQ), noFiles, undefined)).toEqual({
      method: "awq",
      weightBits: 4,
      groupSize: 128,
      zeroPoint: true,
      version: "gemm",
      modulesToNotConvert: [],
      packFactor: 8,
    });
  });

  it("parses GPTQ (act-order, symmetric) and accepts the matching option", async () => {
    expect(await resolveQuantizationConfig(withQuant(GPTQ), noFiles, "gptq")).toEqual({
      method: "gptq",
      weightBits: 4,
      groupSize: 128,
      descAct: true,
      sym: true,
      lmHeadQuantized: false,
      checkpointFormat: "gptq",
      packFactor: 8,
    });
  });

  it("parses block-wise FP8, and FP8 asked of an unquantized checkpoint (quantized at load)", async () => {
    expect(await resolveQuantizationConfig(withQuant(FP8), noFiles, undefined)).toEqual({
      method: "fp8",
      isCheckpointFp8Serialized: true,
      activationScheme: "dynamic",
      ignoredLayers: ["lm_head"],
      weightBlockSize: [128, 128],
    });
    expect(await resolveQuantizationConfig(CONFIGS.llama2, noFiles, "fp8")).toMatchObject({
      isCheckpointFp8Serialized: false,
      activationScheme: "dynamic",
      weightBlockSize: null,
    });
  });

  it("is null for unquantized models", async () => {
    expect(await resolveQuantizationConfig(CONFIGS.llama2, noFiles, null)).toBeNull();
  });

  it("reads quantize_config.json when config.json has no quantization_config", async () => {
    const dir = modelDir({ "quantize_config.json": { bits: 8, group_size: -1, desc_act: false } });
    expect(await resolveQuantizationConfig(CONFIGS.llama2, dir, "gptq")).toMatchObject({
      weightBits: 8,
      groupSize: -1,
      packFactor: 4,
    });
    await expect(resolveQuantizationConfig(CONFIGS.llama2, noFiles, "awq")).rejects.toThrow(
      "Cannot find the config file for awq",
    );
  });

  it("fails with vLLM's messages", async () => {
    await expect(resolveQuantizationConfig(withQuant(AWQ), noFiles, "gptq")).rejects.toThrow(
      new ValidationError(
        "Quantization method specified in the model config (awq) does not match the quantization method specified in the `quantization` argument (gptq).",
      ),
    );
    await expect(
      resolveQuantizationConfig(withQuant({ quant_method: "bitsandbytes" }), noFiles, undefined),
    ).rejects.toThrow("Unknown quantization method: bitsandbytes. Must be one of ['awq', 'gptq', 'fp8'].");
    await expect(
      resolveQuantizationConfig(withQuant({ ...AWQ, bits: 8 }), noFiles, undefined),
    ).rejects.toThrow("Currently, only 4-bit weight quantization is supported for AWQ, but got 8 bits.");
    await expect(
      resolveQuantizationConfig(withQuant({ ...GPTQ, bits: 5 }), noFiles, undefined),
    ).rejects.toThrow(
      "Currently, only 2/3/4/8-bit weight quantization is supported for GPTQ, but got 5 bits.",
    );
    await expect(
      resolveQuantizationConfig(withQuant({ ...FP8, weight_block_size: [128] }), noFiles, undefined),
    ).rejects.toThrow("The quantization block size of weight must have 2 dimensions, but got 1 dimensions");
    await expect(
      resolveQuantizationConfig(withQuant({ ...FP8, activation_scheme: "static" }), noFiles, undefined),
    ).rejects.toThrow(
      "The block-wise quantization only supports dynamic activation scheme for now, but got static activation scheme.",
    );
    await expect(
      resolveQuantizationConfig(
        withQuant({ quant_method: "fp8", activation_scheme: "weird" }),
        noFiles,
        undefined,
      ),
    ).rejects.toThrow("Unsupported activation scheme weird");
    await expect(
      resolveQuantizationConfig(withQuant({ quant_method: "awq", bits: 4 }), noFiles, undefined),
    ).rejects.toThrow(/Cannot find any of \["q_group_size","group_size"\]/);
  });
});
