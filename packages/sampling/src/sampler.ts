import type { Tensor } from "@vllm-ts/cuda-kernels";
import type { SamplingBatch } from "./batch.js";
import type { TokenLogprobs } from "./logprobs.js";

/** What a sampler returns for one step, on the host. */
export interface SamplerOutput {
  /** One token per logits row. */
  readonly sampledTokenIds: Int32Array;
  /**
   * Per row: the raw logprobs of the sampled token and the top `params.logprobs` tokens (see
   * `TokenLogprobs`), or null for rows whose request did not ask for logprobs.
   */
  readonly logprobs: readonly (TokenLogprobs | null)[];
}

/**
 * The sampler contract (version "v1"). `logits` is float32 [batch.requests.length, vocab] on the
 * engine's device; row i belongs to `batch.requests[i]`. A sampler may overwrite the logits. Any
 * object of this shape can be passed as `new LLM({ sampler })`.
 */
export interface Sampler {
  readonly specificationVersion: "v1";
  sample(logits: Tensor, batch: SamplingBatch): Promise<SamplerOutput>;
  /** Frees what the sampler holds on the device; called when the engine shuts down. */
  dispose?(): void;
}
