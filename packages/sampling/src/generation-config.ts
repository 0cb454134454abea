import { SamplingParams } from "./sampling-params.js";
import type { SamplingParamsOptions } from "./sampling-params-options.js";

// generation_config.json keys that become default sampling parameters (vLLM's
// ModelConfig.get_diff_sampling_param), with their SamplingParams names.
const GENERATION_CONFIG_PARAMS = [
  ["repetition_penalty", "repetitionPenalty"],
  ["temperature", "temperature"],
  ["top_k", "topK"],
  ["top_p", "topP"],
  ["min_p", "minP"],
  ["max_new_tokens", "maxTokens"],
] as const;

/**
 * The sampling defaults a model's generation config recommends (vLLM's get_diff_sampling_param):
 * repetition_penalty, temperature, top_k, top_p, min_p and max_new_tokens (as maxTokens), after
 * `overrides` (vLLM's override_generation_config) are applied. Keys may be snake_case or camelCase.
 */
export function diffSamplingParams(
  generationConfig: Readonly<Record<string, unknown>> | null | undefined,
  overrides: Readonly<Record<string, unknown>> = {},
): Partial<SamplingParamsOptions> {
  const config = { ...(generationConfig ?? {}), ...overrides };
  const diff: Record<string, number> = {};
  for (const [snake, camel] of GENERATION_CONFIG_PARAMS) {
    const value = config[snake] ?? config[camel === "maxTokens" ? "maxNewTokens" : camel];
    if (typeof value === "number") diff[camel] = value;
  }
  return diff as Partial<SamplingParamsOptions>;
}

/**
 * The engine's default SamplingParams (vLLM's LLM.get_default_sampling_params): the generation
 * config's recommendations through `SamplingParams.fromOptional`, or vLLM's neutral defaults.
 */
export function defaultSamplingParams(
  generationConfig: Readonly<Record<string, unknown>> | null | undefined,
  overrides: Readonly<Record<string, unknown>> = {},
): SamplingParams {
  const diff = diffSamplingParams(generationConfig, overrides);
  return Object.keys(diff).length > 0 ? SamplingParams.fromOptional(diff) : new SamplingParams();
}
