import { type ArchConfig, UnsupportedError } from "@vllm-ts/config";
import { GemmaForCausalLM } from "./gemma.js";
import { gemma2ForCausalLM } from "./gemma2.js";
import { GPT2LMHeadModel } from "./gpt2.js";
import { LlamaForCausalLM } from "./llama.js";
import { mixtralForCausalLM } from "./mixtral.js";
import type { CausalLM, CausalLMFactory } from "./model.js";
import { OPTForCausalLM } from "./opt.js";
import type { ParameterStore } from "./parameters.js";
import { phi3ForCausalLM } from "./phi3.js";
import { qwen2ForCausalLM } from "./qwen2.js";
import { qwen3ForCausalLM } from "./qwen3.js";

/** Generative architectures (config.json `architectures`) and the model file that implements each. */
export const CAUSAL_LM_REGISTRY: Readonly<Record<string, CausalLMFactory<ArchConfig>>> = {
  LlamaForCausalLM: (config, params) => new LlamaForCausalLM(config, params),
  MistralForCausalLM: (config, params) => new LlamaForCausalLM(config, params),
  Qwen2ForCausalLM: qwen2ForCausalLM,
  Qwen3ForCausalLM: qwen3ForCausalLM,
  GemmaForCausalLM: (config, params) => new GemmaForCausalLM(config, params),
  Gemma2ForCausalLM: gemma2ForCausalLM,
  Phi3ForCausalLM: phi3ForCausalLM,
  GPT2LMHeadModel: (config, params) => new GPT2LMHeadModel(config, params),
  OPTForCausalLM: (config, params) => new OPTForCausalLM(config, params),
  MixtralForCausalLM: mixtralForCausalLM,
};

/**
 * Settles what the architecture leaves to the engine: Phi-3's LongRoPE uses its long factors for
 * every position when the served context (maxModelLen) exceeds the original one, as vLLM decides
 * once per engine (transformers switches per sequence length, which a KV cache cannot follow).
 */
export function engineArchConfig(config: ArchConfig, maxModelLen: number): ArchConfig {
  const rope = config.ropeScaling;
  if (rope?.type !== "longrope") return config;
  return {
    ...config,
    ropeScaling: { ...rope, useLongFactors: maxModelLen > rope.originalMaxPositionEmbeddings } as never,
  };
}

/** Builds the generative model for `architecture`, or fails as vLLM's registry does. */
export function buildCausalLM(architecture: string, config: ArchConfig, params: ParameterStore): CausalLM {
  const factory = CAUSAL_LM_REGISTRY[architecture];
  if (!factory) {
    throw new UnsupportedError(
      `Model architectures ['${architecture}'] are not supported for now. Supported architectures: ${Object.keys(
        CAUSAL_LM_REGISTRY,
      ).join(", ")}`,
    );
  }
  return factory(config, params);
}
