import type { ArchConfig } from "@vllm-ts/config";
import { LlamaForCausalLM } from "./llama.js";
import type { ParameterStore } from "./parameters.js";
import type { WeightMapSpec } from "./weight-map.js";

/**
 * Phi-3: the Llama stack, but its checkpoints already store fused `qkv_proj` and `gate_up_proj`
 * weights, which load straight into the stacked parameters (no stacking map needed).
 */
export const PHI3_WEIGHT_MAP: WeightMapSpec = {
  ignore: [/rotary_emb\.inv_freq$/],
  tied: { "lm_head.weight": "model.embed_tokens.weight" },
};

export function phi3ForCausalLM(config: ArchConfig, params: ParameterStore): LlamaForCausalLM {
  return new LlamaForCausalLM(config, params, { weightMap: PHI3_WEIGHT_MAP });
}
