import type { EngineOptions } from "@vllm-ts/config";
import type { LogitsProcessorSpec, SamplerSpec } from "@vllm-ts/sampling";
import type { SchedulerSpec } from "./engine/scheduler-resolve.js";

/**
 * The options of `new LLM({...})`: vLLM's constructor arguments and engine arguments in camelCase
 * (see the README's table), with the plug-ins typed: a scheduler, a sampler and logits processors
 * of your own.
 */
export interface LLMOptions extends Omit<EngineOptions, "scheduler" | "sampler" | "logitsProcessors"> {
  /** "default", a factory `(context) => Scheduler`, or a Scheduler object. */
  scheduler?: SchedulerSpec;
  /** "default" or any object implementing the `Sampler` interface of @vllm-ts/sampling. */
  sampler?: SamplerSpec;
  /** Logits processor classes or instances, applied by the default sampler after its built-ins. */
  logitsProcessors?: LogitsProcessorSpec[];
}
