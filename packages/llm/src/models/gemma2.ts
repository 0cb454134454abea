import type { ArchConfig } from "@vllm-ts/config";
import { GemmaForCausalLM } from "./gemma.js";
import type { ParameterStore } from "./parameters.js";

/**
 * Gemma 2: four norms per layer, attention and final logit soft-caps, query_pre_attn_scalar as the
 * attention scale and alternating sliding-window layers — all carried by the ArchConfig.
 */
export function gemma2ForCausalLM(config: ArchConfig, params: ParameterStore): GemmaForCausalLM {
  return new GemmaForCausalLM(config, params, true);
}
