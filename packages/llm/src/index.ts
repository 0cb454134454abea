// @vllm-ts/llm: vLLM's offline LLM class for TypeScript, and the engine behind it.
export {
  BackendError,
  InvalidTypeError,
  ModelNotFoundError,
  OutOfMemoryError,
  UnsupportedError,
  ValidationError,
  VllmTsError,
} from "@vllm-ts/config";
export { PoolingParams, type PoolingParamsOptions, type PoolingTask } from "@vllm-ts/pooling";
export {
  type LogitsProcessor,
  type Sampler,
  type SamplerOutput,
  type SamplingBatch,
  SamplingParams,
  type SamplingParamsOptions,
  type SamplingRequestState,
  type TokenLogprobs,
} from "@vllm-ts/sampling";
export type { Scheduler, SchedulerStats } from "@vllm-ts/scheduler";
export { EMBEDDED_MODEL_NAME, embeddedModelPath } from "./embedded-model.js";
export type { SchedulerContext, SchedulerSpec } from "./engine/scheduler-resolve.js";
export { LLM } from "./llm.js";
export type { ChatOptions, GenerateOptions, StreamOptions } from "./llm-call-options.js";
export type { LLMOptions } from "./llm-options.js";
export {
  ClassificationOutput,
  type ClassificationRequestOutput,
  CompletionOutput,
  EmbeddingOutput,
  type EmbeddingRequestOutput,
  type FinishReason,
  type Logprob,
  PoolingOutput,
  PoolingRequestOutput,
  type PromptLogprobs,
  RequestOutput,
  type RequestStateStats,
  type SampleLogprobs,
  ScoringOutput,
  type ScoringRequestOutput,
} from "./outputs.js";
export type {
  EncodeOptions,
  EncodeOutput,
  PoolingMethodOptions,
  PoolingOptions,
} from "./pooling/pooling-frontend.js";
export type { ScoreOptions } from "./pooling/score.js";
export type { ProgressBarLike, UseTqdm } from "./progress/progress-bar.js";
export type { PromptType, TextPrompt, TokensPrompt } from "./prompts.js";
