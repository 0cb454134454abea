import type { ArchConfig } from "@vllm-ts/config";
import { LlamaForCausalLM } from "./llama.js";
import type { ParameterStore } from "./parameters.js";

/** Qwen3: the Llama stack with a per-head RMSNorm on q and k before rotary, and no q/k/v bias. */
export function qwen3ForCausalLM(config: ArchConfig, params: ParameterStore): LlamaForCausalLM {
  return new LlamaForCausalLM(config, params, { qkNorm: true });
}
