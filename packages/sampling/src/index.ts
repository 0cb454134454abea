// @vllm-ts/sampling: sampling parameters, the sampler contract and its default implementation,
// logits processors, and the per-request state the engine keeps for sampling.

export {
  type AddedRequest,
  applyBatchUpdate,
  type BatchUpdate,
  type MovedRequest,
  type SamplingBatch,
  type SamplingRequestState,
} from "./batch.js";
export { SamplingBatchBuilder } from "./batch-builder.js";
export { DefaultSampler, type DefaultSamplerOptions } from "./default-sampler.js";
export { defaultSamplingParams, diffSamplingParams } from "./generation-config.js";
export type {
  LogitsProcessor,
  LogitsProcessorClass,
  LogitsProcessorContext,
  LogitsProcessorSpec,
} from "./logits-processor.js";
export { instantiateLogitsProcessors, validateLogitsProcessorParams } from "./logits-processor-resolve.js";
export { type LogprobEntry, logprobMap, type TokenLogprobs } from "./logprobs.js";
export { philox4x32, seedToKey } from "./philox.js";
export { LogitBiasLogitsProcessor } from "./processors/logit-bias.js";
export { MinPLogitsProcessor } from "./processors/min-p.js";
export { MinTokensLogitsProcessor } from "./processors/min-tokens.js";
export { computePromptLogprobs } from "./prompt-logprobs.js";
export type { Sampler, SamplerOutput } from "./sampler.js";
export { resolveSampler, type SamplerSpec } from "./sampler-resolve.js";
export { MIN_TEMPERATURE, SAMPLING_EPS, SamplingParams, SamplingType } from "./sampling-params.js";
export type {
  LogitBiasInput,
  NullableSamplingParamsOptions,
  SamplingParamsOptions,
} from "./sampling-params-options.js";
export { DEFAULT_MAX_LOGPROBS, type SamplingVerifyContext } from "./sampling-params-verify.js";
export {
  createSamplingRequestState,
  resolveSeed,
  type SamplingRequestInit,
  SeedSource,
} from "./seed-source.js";
export { MockSampler, mockSamplingRequest } from "./testing.js";
