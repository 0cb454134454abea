import { totalmem } from "node:os";
import { describe, expect, it } from "vitest";
import {
  BackendError,
  type EngineEnv,
  type EngineOptions,
  ModelNotFoundError,
  resolveEngineConfig,
  ValidationError,
} from "../src/index.js";
import { CONFIGS, modelDir, TINY_WEIGHTS } from "./configs.js";

const GIB = 1024 ** 3;
const CPU: EngineEnv = { deviceKind: "cpu" };
const H200: EngineEnv = { deviceKind: "cuda", deviceMemoryBytes: 141 * GIB, deviceName: "NVIDIA H200" };
const A100_80: EngineEnv = {
  deviceKind: "cuda",
  deviceMemoryBytes: 80 * GIB,
  deviceName: "NVIDIA A100-SXM4-80GB",
};
const L4: EngineEnv = { deviceKind: "cuda", deviceMemoryBytes: 24 * GIB, deviceName: "NVIDIA L4" };

const folder = (config: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  modelDir({ "config.json": config, "model.safetensors": TINY_WEIGHTS, ...extra });
const resolve = (
  options: Omit<EngineOptions, "model"> & { model?: string },
  env: EngineEnv = CPU,
  config: Record<string, unknown> = CONFIGS.llama2,
) => resolveEngineConfig({ model: options.model ?? folder(config), ...options }, env);

describe("engine defaults (vLLM's LLM class, the seed's numbers)", () => {
  it("on the CPU", async () => {
    const config = await resolve({});
    expect(config.model).toMatchObject({
      dtype: "float32",
      checkpointDtype: "float16",
      maxModelLen: 4096,
      runnerType: "generate",
      seed: 0,
      maxLogprobs: 20,
    });
    expect(config.scheduler).toEqual({
      maxNumSeqs: 256,
      maxNumBatchedTokens: 4096,
      maxModelLen: 4096,
      enableChunkedPrefill: true,
      policy: "fcfs",
      maxLoras: 0,
    });
    expect(config.cache).toEqual({
      blockSize: 16,
      gpuMemoryUtilization: 0.9,
      swapSpaceBytes: 4 * GIB,
      cacheDtype: "float32",
      kvCacheMemoryBytes: null,
      numGpuBlocksOverride: null,
      enablePrefixCaching: true,
    });
    expect(config.load).toMatchObject({ loadFormat: "auto", weightFormat: "safetensors", dummySeed: 1234 });
    expect(config.device).toMatchObject({ kind: "cpu", index: 0 });
    expect(config.parallel).toEqual({ tensorParallelSize: 1, worldSize: 1 });
    expect(config.disableLogStats).toBe(true);
  });

  it.each([
    ["an H200 (≥ 70 GiB, not an A100)", H200, 1024, 16384],
    ["an A100 80GB", A100_80, 256, 8192],
    ["a 24 GiB GPU", L4, 256, 8192],
  ])("on %s", async (_, env, maxNumSeqs, maxNumBatchedTokens) => {
    const config = await resolve({}, env);
    expect(config.scheduler).toMatchObject({ maxNumSeqs, maxNumBatchedTokens });
    expect(config.model.dtype).toBe("float16");
    expect(config.cache.cacheDtype).toBe("float16");
  });

  it("bf16 checkpoints stay bf16 on CUDA; fp8 KV cache maps to float8_e4m3fn", async () => {
    const config = await resolve({ kvCacheDtype: "fp8" }, H200, CONFIGS.llama31);
    expect(config.model.dtype).toBe("bfloat16");
    expect(config.cache.cacheDtype).toBe("float8_e4m3fn");
  });

  it("without chunked prefill the token budget covers a whole maxModelLen prompt", async () => {
    const config = await resolve({ enableChunkedPrefill: false }, H200, CONFIGS.llama31);
    expect(config.scheduler).toMatchObject({
      enableChunkedPrefill: false,
      maxNumBatchedTokens: 131072,
      maxModelLen: 131072,
    });
  });

  it("passes user values through", async () => {
    const config = await resolve({
      maxNumSeqs: 8,
      maxNumBatchedTokens: 512,
      blockSize: 32,
      gpuMemoryUtilization: 0.5,
      swapSpace: 0,
      maxModelLen: 1024,
      seed: 7,
      enablePrefixCaching: false,
      schedulingPolicy: "priority",
      enableLora: true,
      maxLoras: 2,
      disableLogStats: false,
      dtype: "bfloat16",
      numGpuBlocksOverride: 100,
    });
    expect(config.scheduler).toMatchObject({
      maxNumSeqs: 8,
      maxNumBatchedTokens: 512,
      maxModelLen: 1024,
      policy: "priority",
      maxLoras: 2,
    });
    expect(config.cache).toMatchObject({
      blockSize: 32,
      gpuMemoryUtilization: 0.5,
      swapSpaceBytes: 0,
      enablePrefixCaching: false,
      numGpuBlocksOverride: 100,
      cacheDtype: "bfloat16",
    });
    expect(config.model).toMatchObject({ maxModelLen: 1024, seed: 7, dtype: "bfloat16" });
    expect(config.lora).toEqual({ enabled: true, maxLoras: 2, maxLoraRank: 16 });
    expect(config.disableLogStats).toBe(false);
  });

  it("maxModelLen -1 keeps the derived length and asks the engine to fit it", async () => {
    const config = await resolve({ maxModelLen: -1 });
    expect(config.model).toMatchObject({ maxModelLen: 4096, autoFitMaxModelLen: true });
  });
});

describe("model configuration", () => {
  it("applies hfOverrides (nested objects merge) before everything else", async () => {
    const config = await resolve({
      hfOverrides: { max_position_embeddings: 1024, rope_scaling: { rope_type: "linear", factor: 2 } },
    });
    expect(config.model.hfConfig.max_position_embeddings).toBe(1024);
    expect(config.model.arch.ropeScaling).toEqual({ type: "linear", factor: 2 });
    expect(config.model.maxModelLen).toBe(2048);
    const viaFunction = await resolve({ hfOverrides: (raw) => ({ ...raw, num_hidden_layers: 2 }) });
    expect(viaFunction.model.arch.numLayers).toBe(2);
  });

  it("resolves a sentence-transformers encoder as a pooling model", async () => {
    const dir = folder(CONFIGS.minilm, {
      "modules.json": [
        { idx: 0, name: "0", path: "", type: "sentence_transformers.models.Transformer" },
        { idx: 1, name: "1", path: "1_Pooling", type: "sentence_transformers.models.Pooling" },
        { idx: 2, name: "2", path: "2_Normalize", type: "sentence_transformers.models.Normalize" },
      ],
      "1_Pooling/config.json": { pooling_mode_mean_tokens: true },
      "sentence_bert_config.json": { max_seq_length: 256 },
      "tokenizer_config.json": { model_max_length: 512 },
    });
    const config = await resolve({ model: dir });
    expect(config.model).toMatchObject({ runnerType: "pooling", convertType: "none", maxModelLen: 256 });
    expect(config.model.pooler).toMatchObject({
      seqPoolingType: "MEAN",
      tokPoolingType: "ALL",
      useActivation: true,
    });
    // Encoders get neither chunked prefill nor prefix caching.
    expect(config.scheduler.enableChunkedPrefill).toBe(false);
    expect(config.cache.enablePrefixCaching).toBe(false);
  });

  it("caps a pooling encoder by its tokenizer's model_max_length; a cross-encoder classifies with CLS", async () => {
    const config = await resolve({
      model: folder(CONFIGS.xlmr, { "tokenizer_config.json": { model_max_length: 512 } }),
    });
    expect(config.model).toMatchObject({ runnerType: "pooling", maxModelLen: 512 });
    expect(config.model.pooler?.seqPoolingType).toBe("CLS");
    expect(config.model.arch.classifier?.numLabels).toBe(1);
  });

  it("keeps chunked prefill for a causal embedding model with LAST pooling", async () => {
    const config = await resolve({ runner: "pooling" }, CPU, CONFIGS.qwen3);
    expect(config.model).toMatchObject({ runnerType: "pooling", convertType: "embed" });
    expect(config.model.pooler?.seqPoolingType).toBe("LAST");
    expect(config.scheduler.enableChunkedPrefill).toBe(true);
  });

  it("reads generation defaults, quantization, and a separate tokenizer folder", async () => {
    const tokenizer = modelDir({ "tokenizer.json": "{}" });
    const config = await resolve({
      model: folder(
        {
          ...CONFIGS.llama2,
          quantization_config: { quant_method: "awq", bits: 4, group_size: 128, zero_point: true },
        },
        {
          "generation_config.json": { temperature: 0.7, eos_token_id: [2, 32000] },
        },
      ),
      tokenizer,
    });
    expect(config.model.generation.samplingDefaults).toEqual({ temperature: 0.7 });
    expect(config.model.generation.eosTokenIds).toEqual([2, 32000]);
    expect(config.model.quantization).toMatchObject({ method: "awq", groupSize: 128 });
    expect(config.model.tokenizerDir).toBe(tokenizer);
  });

  it("needs no weight files for dummy weights", async () => {
    const config = await resolve({
      model: modelDir({ "config.json": CONFIGS.mixtral }),
      loadFormat: "dummy",
      maxModelLen: 4096,
    });
    expect(config.load).toMatchObject({ loadFormat: "dummy", weightFormat: null });
    expect(config.model.arch.moe?.numExperts).toBe(8);
  });
});

describe("configuration errors use vLLM's messages", () => {
  it.each<[string, Omit<EngineOptions, "model">, EngineEnv, Record<string, unknown>, string | RegExp]>([
    [
      "max_num_batched_tokens < max_num_seqs",
      { maxNumBatchedTokens: 100, maxNumSeqs: 256 },
      CPU,
      CONFIGS.llama2,
      "max_num_batched_tokens (100) must be greater than or equal to max_num_seqs (256).",
    ],
    [
      "a budget below max_model_len without chunked prefill",
      { enableChunkedPrefill: false, maxNumBatchedTokens: 2048 },
      CPU,
      CONFIGS.llama2,
      "max_num_batched_tokens (2048) is smaller than max_model_len (4096). This effectively limits the maximum sequence length",
    ],
    [
      "max_model_len above the derived length",
      { maxModelLen: 10000 },
      CPU,
      CONFIGS.llama2,
      /User-specified max_model_len \(10000\) is greater than the derived max_model_len/,
    ],
    [
      "float16 on gemma2",
      { dtype: "float16" },
      H200,
      CONFIGS.gemma2,
      "The model type 'gemma2' does not support float16.",
    ],
    [
      "an unknown quantization method",
      { quantization: "marlin" as never },
      CPU,
      CONFIGS.llama2,
      "Unknown quantization method: marlin.",
    ],
    [
      "a quantization mismatch",
      { quantization: "gptq" },
      CPU,
      {
        ...CONFIGS.llama2,
        quantization_config: { quant_method: "awq", bits: 4, group_size: 128, zero_point: true },
      },
      "Quantization method specified in the model config (awq) does not match the quantization method specified in the `quantization` argument (gptq).",
    ],
    [
      "heads not divisible by tensor parallel size",
      { tensorParallelSize: 3 },
      CPU,
      CONFIGS.llama2,
      "Total number of attention heads (32) must be divisible by tensor parallel size (3).",
    ],
    [
      "a swap space beyond 70% of RAM",
      { swapSpace: Math.ceil(totalmem() / GIB) },
      CPU,
      CONFIGS.llama2,
      /^Too large swap space\. \d+\.00 GiB out of the/,
    ],
    [
      "unsupported architectures",
      {},
      CPU,
      { architectures: ["MambaForCausalLM"], model_type: "mamba" },
      /Model architectures \['MambaForCausalLM'\] are not supported for now/,
    ],
  ])("%s", async (_, options, env, config, message) => {
    const error = await resolve(options, env, config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      typeof message === "string" ? new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : message,
    );
  });

  it("asks for CUDA on a machine without it", async () => {
    await expect(resolve({ device: "cuda" })).rejects.toBeInstanceOf(BackendError);
  });

  it("a folder without config.json", async () => {
    const dir = modelDir({ "model.safetensors": TINY_WEIGHTS });
    const error = await resolveEngineConfig({ model: dir }, CPU).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect((error as Error).message).toBe(
      `Invalid repository ID or local directory specified: '${dir}'.\nPlease verify the following requirements:\n` +
        "1. Provide a valid Hugging Face repository ID.\n2. Specify a local directory that contains a recognized configuration file.\n" +
        "   - For Hugging Face models: ensure the presence of a 'config.json'.\n   - For Mistral models: ensure the presence of a 'params.json'.\n",
    );
  });

  it("a folder without weights", async () => {
    await expect(
      resolveEngineConfig({ model: modelDir({ "config.json": CONFIGS.llama2 }) }, CPU),
    ).rejects.toThrow(/^Cannot find any model weights with `/);
  });

  it("bad options before any file is read", async () => {
    await expect(
      resolveEngineConfig({ model: "/nowhere", gpuMemoryUtilization: 2 }, CPU),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});
