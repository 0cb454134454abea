import type { SamplingRequestState } from "@vllm-ts/sampling";

/**
 * What the engine hangs on each scheduler request (`Request.payload`) for the runner: how to
 * sample it, or that it is a pooling request, and whether it wants prompt logprobs.
 */
export interface RequestPayload {
  /** Null for pooling requests. */
  readonly sampling: SamplingRequestState | null;
  /** Top-k of prompt logprobs (-1: the vocabulary), or null for none. */
  readonly promptLogprobs: number | null;
  /** Pooling requests: what to pool (the pooling runner reads it). */
  readonly pooling: unknown;
}

/** The runner's persistent view of one request across steps. */
export class RunnerRequest {
  /** Prompt and output tokens known to the runner (the last one may not be computed yet). */
  readonly tokenIds: number[];
  blockIds: number[];

  constructor(
    readonly requestId: string,
    promptTokenIds: readonly number[],
    blockIds: readonly number[],
    readonly payload: RequestPayload,
  ) {
    this.tokenIds = [...promptTokenIds];
    this.numPromptTokens = promptTokenIds.length;
    this.blockIds = [...blockIds];
  }

  readonly numPromptTokens: number;
}
