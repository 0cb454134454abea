import type { Device, Tensor } from "@vllm-ts/cuda-kernels";
import type { BatchUpdate, SamplingBatch } from "./batch.js";
import type { SamplingParams } from "./sampling-params.js";

/**
 * A batch-level logits processor (vLLM V1's `LogitsProcessor`). The default sampler calls
 * `updateState` on every step before any `apply`, then `apply` at its place in the pipeline:
 * processors whose `isArgmaxInvariant()` is false run before the penalties (and affect greedy
 * rows); invariant ones run after temperature and only matter to random rows.
 */
export interface LogitsProcessor {
  /** The batch changes since the previous step (null: the same rows as before). */
  updateState(update: BatchUpdate | null): void;
  /**
   * Changes the float32 logits [rows, vocab] of the batch (row i is `batch.requests[i]`), in place
   * or not, and returns the logits to continue with.
   */
  apply(logits: Tensor, batch: SamplingBatch): Tensor | Promise<Tensor>;
  /** True when it never changes which token has the largest logit. */
  isArgmaxInvariant(): boolean;
  /** Request-time check of a request's parameters; throw a ValidationError to reject it. */
  validateParams?(params: SamplingParams): void;
  /** Frees device memory the processor holds (called when the engine shuts down). */
  dispose?(): void;
}

/** What a processor class is constructed with. */
export interface LogitsProcessorContext {
  readonly vocabSize: number;
  readonly device: Device;
  /** The most rows a step can have. */
  readonly maxNumSeqs: number;
}

/** A processor class: built once per engine. `validateParams` may also be static, as in vLLM. */
export interface LogitsProcessorClass {
  new (context: LogitsProcessorContext): LogitsProcessor;
  validateParams?(params: SamplingParams): void;
}

/** What `new LLM({ logitsProcessors })` accepts: classes or ready instances. */
export type LogitsProcessorSpec = LogitsProcessor | LogitsProcessorClass;
