import type { ArchConfig } from "@vllm-ts/config";
import { LlamaForCausalLM } from "./llama.js";
import type { ParameterStore } from "./parameters.js";

/** Qwen2: the Llama stack with biases on q/k/v (config.qkvBias) and, often, tied embeddings. */
export function qwen2ForCausalLM(config: ArchConfig, params: ParameterStore): LlamaForCausalLM {
  return new LlamaForCausalLM({ ...config, qkvBias: true }, params);
}
